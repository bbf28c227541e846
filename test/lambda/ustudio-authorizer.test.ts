// USTUDIO-HMAC-V2 at API Gateway, in process: the authorizer verifies a bodyless request (the empty body
// it assumed handed on for the integration to confirm); a request with a body can only be verified where
// the body is (descriptor body "raw-body"): on a verifyInFunction route it is passed on unverified and
// the in-function check (withAuthentication, authenticate, LambdaAuthenticator) verifies it with its
// body; anywhere else it is refused.
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler, EMPTY_BODY_SHA256, type SimpleAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { authenticate, confirmAuthorizerBody, LambdaAuthenticator, withAuthentication } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { KeyStoreError } from '../../lib/keys/types.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/index.ts';
import { httpAuthorizerEvent, httpProxyEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { USTUDIO_KEY_ID, USTUDIO_SECRET, ustudioConfig } from '../fixtures/ustudio-app.ts';

const doc = ustudioConfig({ routes: [{ path: '/uploads/*', verifyInFunction: true }, { path: '*' }] });
const auth = createAuthenticator(loadConfig(doc));
const logs: unknown[] = [];
const authorizer = createAuthorizerHandler({ authenticator: () => auth, log: (e) => logs.push(e) });
const signer = createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET });

const draft = (method: string, path: string, body = ''): SignedRequest => ({
  method,
  path,
  query: 'q=1&b=%20',
  headers: [['Host', 'api.example.com'], ...(body ? ([['Content-Length', String(body.length)]] as Array<[string, string]>) : [])],
  body: new TextEncoder().encode(body),
});

describe('the Lambda authorizer with USTUDIO-HMAC-V2', () => {
  it('allows a bodyless signed GET, handing on the empty body it assumed', async () => {
    const signed = await signer.sign(draft('GET', '/items/1'));
    const res = (await authorizer(httpAuthorizerEvent(signed))) as SimpleAuthorizerResult;
    expect(res.isAuthorized).toBe(true);
    expect(res.context).toMatchObject({
      principal: 'ustudio-app',
      scheme: 'ustudio-hmac',
      verification: 'body-hash',
      bodySha256: EMPTY_BODY_SHA256,
    });
    expect(await confirmAuthorizerBody(httpProxyEvent(signed, { authorizer: res.context as Record<string, unknown> }))).toMatchObject({
      authentic: true,
    });
    const rest = await signer.sign(draft('GET', '/prod/items/1'));
    expect(await authorizer(restAuthorizerEvent(rest))).toMatchObject({ principalId: 'ustudio-app' });
  });

  it('refuses a tampered bodyless GET and a body on a route that is not verifyInFunction, logging no key id', async () => {
    const signed = await signer.sign(draft('GET', '/items/1'));
    await expect(authorizer(httpAuthorizerEvent({ ...signed, query: 'q=2&b=%20' }))).rejects.toThrow('Unauthorized');
    const withBody = await signer.sign(draft('POST', '/items', '{"n":1}'));
    await expect(authorizer(httpAuthorizerEvent(withBody))).rejects.toThrow('Unauthorized');
    expect(JSON.stringify(logs)).not.toContain(USTUDIO_KEY_ID);
  });

  it('passes on a request with a body on a verifyInFunction route; the in-function check verifies it with the body', async () => {
    const signed = await signer.sign(draft('POST', '/uploads/a', '{"file":"x"}'));
    const res = (await authorizer(httpAuthorizerEvent(signed))) as SimpleAuthorizerResult;
    expect(res).toMatchObject({ isAuthorized: true, context: { verification: 'in-function' } });

    const integration = withAuthentication(auth, (_event, _context, principal) => ({ statusCode: 200, body: principal.id }));
    const event = (r: SignedRequest) => httpProxyEvent(r, { authorizer: res.context as Record<string, unknown> }) as never;
    expect(await integration(event(signed), {})).toMatchObject({ statusCode: 200, body: 'ustudio-app' });
    const tampered = await integration(event({ ...signed, body: new TextEncoder().encode('{"file":"y"}') }), {});
    expect(tampered.statusCode).toBe(401);
    expect(tampered.body).not.toContain(USTUDIO_KEY_ID);

    // authenticate() and the LambdaAuthenticator model, as an integration would call them.
    const headers = Object.fromEntries(signed.headers);
    const url = 'https://api.example.com/uploads/a?q=1&b=%20';
    expect(await authenticate(auth, { method: 'POST', url, headers, body: '{"file":"x"}' })).toMatchObject({
      authentic: true,
      principal: { id: 'ustudio-app' },
    });
    expect(await authenticate(auth, { method: 'POST', url, headers, body: '{"file":"y"}' })).toMatchObject({
      authentic: false,
      status: 401,
    });
    const ok = new LambdaAuthenticator('POST', url, headers, '{"file":"x"}', auth);
    expect((await ok.isAuthentic())[0]).toBe(true);
    expect(ok.getPrincipal()).toMatchObject({ id: 'ustudio-app' });
  });

  it('answers a key store that cannot answer as a server fault, never an allow', async () => {
    const down = createAuthenticator(loadConfig(doc), { keys: { get: () => Promise.reject(new KeyStoreError('timeout', 'down')) } });
    const h = createAuthorizerHandler({ authenticator: () => down, log: () => undefined });
    const signed = await signer.sign(draft('GET', '/items/1'));
    const answer = h(httpAuthorizerEvent(signed));
    await expect(answer).rejects.toThrow();
    await expect(answer).rejects.not.toThrow('Unauthorized');
  });
});
