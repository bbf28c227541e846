import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../authenticator.ts';
import type { SignedRequest } from '../../core/request.ts';
import { loadConfig } from '../../config/load.ts';
import { createSigV4Signer } from '../../schemes/sigv4/signer.ts';
import { httpProxyEvent, restProxyEvent } from '../../../test/fixtures/apigw.ts';
import { authenticate, confirmAuthorizerBody, LambdaAuthenticator, withAuthentication } from './in-function.ts';

const NOW = Date.now();
const auth = createAuthenticator(
  loadConfig({
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
    routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
    keys: [{ id: 'AKIDFN', secret: 'in-function-secret', principal: 'fn-user', permissions: ['items:write'] }],
  }),
);
const signer = createSigV4Signer({
  keyId: 'AKIDFN',
  secret: 'in-function-secret',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});
const bin = new Uint8Array([0, 159, 146, 150, 255]);
const req = (path: string, body: Uint8Array | string = '{"n":1}'): SignedRequest => ({
  method: 'POST',
  path,
  query: 'a=1',
  headers: [
    ['Host', 'api.example.com'],
    ['Content-Type', 'application/octet-stream'],
  ],
  body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
});
const headersOf = (r: SignedRequest) => Object.fromEntries(r.headers);

describe('authenticate({ method, url, headers, body })', () => {
  it('verifies the whole request, body included', async () => {
    const s = await signer.sign(req('/items'));
    const ok = await authenticate(auth, {
      method: 'POST',
      url: 'https://api.example.com/items?a=1',
      headers: headersOf(s),
      body: '{"n":1}',
    });
    expect(ok).toEqual({ authentic: true, status: 200, message: 'authentic', principal: { id: 'fn-user', permissions: ['items:write'] } });
    const bad = await authenticate(auth, {
      method: 'POST',
      url: 'https://api.example.com/items?a=1',
      headers: headersOf(s),
      body: '{"n":2}',
    });
    expect(bad).toMatchObject({ authentic: false, status: 401, code: 'ERR_SIGNATURE_INVALID' });
  });
  it('verifies the method as it was given: a signature over PATCH is not one over patch', async () => {
    const at = async (sent: string, signedAs: string) => {
      const s = await signer.sign({ ...req('/items'), method: signedAs });
      return (await authenticate(auth, { method: sent, url: 'https://api.example.com/items?a=1', headers: headersOf(s), body: '{"n":1}' }))
        .status;
    };
    expect(await at('PATCH', 'PATCH')).toBe(200);
    expect(await at('patch', 'patch')).toBe(200);
    expect(await at('patch', 'PATCH')).toBe(401);
    expect(await at('PATCH', 'patch')).toBe(401);
    expect(await at('Post', 'POST')).toBe(401);
  });
  it('takes the configured authenticator when called with the request alone', async () => {
    LambdaAuthenticator.configure(auth);
    const s = await signer.sign(req('/items'));
    expect(await authenticate({ method: 'POST', url: '/items?a=1', headers: s.headers, body: '{"n":1}' })).toMatchObject({
      authentic: true,
      status: 200,
    });
  });
  it('confirms a body against the x-amz-content-sha256 the authorizer checked', async () => {
    const hashed = createSigV4Signer({
      keyId: 'AKIDFN',
      secret: 'in-function-secret',
      region: 'us-east-1',
      service: 'execute-api',
      clock: () => NOW,
      signContentSha256: true,
    });
    const s = await hashed.sign(req('/items'));
    const ok = await authenticate(auth, { method: 'POST', url: '/items?a=1', headers: s.headers, body: '{"n":1}' });
    expect(ok.authentic).toBe(true);
    const swapped = await authenticate(auth, { method: 'POST', url: '/items?a=1', headers: s.headers, body: '{"n":9}' });
    expect(swapped).toMatchObject({ authentic: false, status: 401, code: 'ERR_PAYLOAD_HASH_MISMATCH' });
  });
  it('answers 403 on a route the principal may not call', async () => {
    const s = await signer.sign(req('/admin/x'));
    expect(await authenticate(auth, { method: 'POST', url: '/admin/x?a=1', headers: s.headers, body: '{"n":1}' })).toMatchObject({
      authentic: false,
      status: 403,
    });
  });
});

describe('LambdaAuthenticator (the mauth-client model)', () => {
  it('returns [authentic, status, message] and the principal', async () => {
    LambdaAuthenticator.configure(auth);
    const s = await signer.sign(req('/items'));
    const a = new LambdaAuthenticator('POST', 'https://api.example.com/items?a=1', headersOf(s), '{"n":1}');
    expect(await a.isAuthentic()).toEqual([true, 200, 'authentic']);
    expect(a.getPrincipal()).toEqual({ id: 'fn-user', permissions: ['items:write'] });
    const b = new LambdaAuthenticator('POST', 'https://api.example.com/items?a=2', headersOf(s), '{"n":1}');
    expect(await b.isAuthentic()).toEqual([false, 401, 'signature does not match']);
    expect(b.getPrincipal()).toBeUndefined();
  });
  it('applies route permissions to the stage-prefixed URL the README tells callers to pass', async () => {
    LambdaAuthenticator.configure(auth);
    const s = await signer.sign(req('/dev/admin/users'));
    const a = new LambdaAuthenticator('POST', 'https://api.example.com/dev/admin/users?a=1', headersOf(s), '{"n":1}');
    expect(await a.isAuthentic()).toEqual([false, 403, 'the principal lacks a permission this route requires']);
    expect(a.getPrincipal()).toBeUndefined();
    expect(await authenticate(auth, { method: 'POST', url: '/dev/admin/users?a=1', headers: s.headers, body: '{"n":1}' })).toMatchObject({
      status: 403,
    });
    const ok = await signer.sign(req('/dev/items'));
    expect(await new LambdaAuthenticator('POST', 'https://api.example.com/dev/items?a=1', headersOf(ok), '{"n":1}').isAuthentic()).toEqual([
      true,
      200,
      'authentic',
    ]);
  });
});

describe('withAuthentication (Lambda proxy handlers)', () => {
  const wrapped = withAuthentication(auth, async (_event, _ctx: unknown, principal) => ({
    statusCode: 200,
    body: JSON.stringify({ who: principal.id }),
  }));

  it.each([
    ['REST, text body', '/prod/items', new TextEncoder().encode('{"n":"é"}'), (s: SignedRequest) => restProxyEvent(s, { prefix: '/prod' })],
    ['REST, base64 body', '/prod/items', bin, (s: SignedRequest) => restProxyEvent(s, { prefix: '/prod', base64: true })],
    ['HTTP API, base64 body', '/items', bin, (s: SignedRequest) => httpProxyEvent(s, { base64: true })],
  ])('%s: calls the handler with the principal', async (_l, path, body, make) => {
    const s = await signer.sign(req(path, body));
    expect(await wrapped(make(s) as never, {})).toMatchObject({ statusCode: 200, body: '{"who":"fn-user"}' });
  });

  it('answers 401 JSON for a tampered body and 403 for a forbidden route', async () => {
    const s = await signer.sign(req('/items', bin));
    const tampered = await wrapped(httpProxyEvent({ ...s, body: new Uint8Array([1, 2, 3]) }, { base64: true }) as never, {});
    expect(tampered.statusCode).toBe(401);
    expect(JSON.parse(tampered.body)).toMatchObject({ error: 'ERR_SIGNATURE_INVALID' });
    expect(tampered.headers?.['www-authenticate']).toBe('AWS4-HMAC-SHA256');
    const f = await signer.sign(req('/admin/x'));
    expect((await wrapped(httpProxyEvent(f) as never, {})).statusCode).toBe(403);
  });
});

describe('confirmAuthorizerBody(event)', () => {
  const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  const bodyHash = (text: string) => createHash('sha256').update(text).digest('hex');
  it('passes a body that hashes to the bodySha256 the authorizer answered for, REST and HTTP API, text and base64', async () => {
    expect(
      await confirmAuthorizerBody(restProxyEvent(req('/prod/items', ''), { authorizer: { verification: 'body-hash', bodySha256: EMPTY } })),
    ).toMatchObject({ authentic: true });
    expect(
      await confirmAuthorizerBody(
        httpProxyEvent(req('/items', 'abc'), { base64: true, authorizer: { verification: 'body-hash', bodySha256: bodyHash('abc') } }),
      ),
    ).toMatchObject({
      authentic: true,
    });
  });
  it('refuses a body the authorizer did not answer for: a bodyless signed request replayed with a body', async () => {
    const replayed = restProxyEvent(req('/prod/items', '{"evil":1}'), { authorizer: { verification: 'body-hash', bodySha256: EMPTY } });
    expect(await confirmAuthorizerBody(replayed)).toMatchObject({ authentic: false, status: 401, code: 'ERR_PAYLOAD_HASH_MISMATCH' });
  });
  it('has nothing to confirm for a complete verification, and refuses a body that is not valid base64', async () => {
    expect(await confirmAuthorizerBody(httpProxyEvent(req('/items', 'x'), { authorizer: { verification: 'complete' } }))).toMatchObject({
      authentic: true,
    });
    const broken = { ...httpProxyEvent(req('/items', 'x'), { base64: true, authorizer: { verification: 'complete' } }), body: '***' };
    expect(await confirmAuthorizerBody(broken)).toMatchObject({ authentic: false, status: 400 });
  });
  it.each([
    ['passed on unverified (in-function)', { verification: 'in-function' }],
    ['a public route', { verification: 'none' }],
    ['no authorizer context', undefined],
    ['body-hash without a hash', { verification: 'body-hash' }],
  ])('fails closed for a request the authorizer did not verify: %s', async (_label, authorizer) => {
    const event = restProxyEvent(req('/prod/upload', '{"a":1}'), authorizer ? { authorizer } : {});
    expect(await confirmAuthorizerBody(event)).toMatchObject({ authentic: false, status: 401 });
  });
  it('withAuthentication confirms it too, even when the request itself verifies (UNSIGNED-PAYLOAD)', async () => {
    const unsigned = await signer.sign({
      ...req('/items', 'payload'),
      headers: [...req('/items').headers, ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD']],
    });
    let called = 0;
    const handler = withAuthentication(auth, () => {
      called++;
      return { statusCode: 200, body: 'ok' };
    });
    expect((await handler(httpProxyEvent(unsigned, { authorizer: { verification: 'complete' } }), {})).statusCode).toBe(200);
    const claimed = await handler(httpProxyEvent(unsigned, { authorizer: { verification: 'body-hash', bodySha256: EMPTY } }), {});
    expect(claimed.statusCode).toBe(401);
    expect(JSON.parse(claimed.body)).toMatchObject({ error: 'ERR_PAYLOAD_HASH_MISMATCH' });
    expect(called).toBe(1);
  });
});

describe('the in-function check behind a custom domain', () => {
  it('takes a multi-segment base path as the stage, or from lambda.basePaths', async () => {
    const s = await signer.sign(req('/orders/v2/admin/x'));
    const input = { method: 'POST', url: '/orders/v2/admin/x?a=1', headers: s.headers, body: '{"n":1}' };
    expect(await authenticate(auth, { ...input, stage: 'orders/v2' })).toMatchObject({ status: 403 });
    const based = createAuthenticator(
      loadConfig({
        schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
        routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
        lambda: { basePaths: ['/orders/v2'] },
        keys: [{ id: 'AKIDFN', secret: 'in-function-secret', principal: 'fn-user', permissions: ['items:write'] }],
      }),
    );
    expect(await authenticate(based, input)).toMatchObject({ status: 403 });
  });
  it('withAuthentication judges the path rebuilt from the resource template', async () => {
    const s = await signer.sign(req('/v1/admin/x'));
    const event = {
      ...restProxyEvent(s, { prefix: '' }),
      path: '/v1/admin/x',
      resource: '/{proxy+}',
      pathParameters: { proxy: 'admin/x' },
    };
    let called = 0;
    const handler = withAuthentication(auth, () => {
      called++;
      return { statusCode: 200, body: '' };
    });
    expect((await handler(event as never, {})).statusCode).toBe(403);
    expect(called).toBe(0);
  });
});
