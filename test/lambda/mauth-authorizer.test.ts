// MAuth at API Gateway, in process: the authorizer verifies a bodyless MAuth request (the empty body
// it assumed handed on for the integration to confirm); a request with a body on a verifyInFunction route
// is passed on unverified, and the in-function check (withAuthentication, or the MAuth-compatible
// LambdaAuthenticator) verifies it with its body. A body anywhere else is refused: MAuth signs it.
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthorizerHandler, EMPTY_BODY_SHA256, type SimpleAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { confirmAuthorizerBody, withAuthentication } from '../../lib/adapters/aws-lambda/in-function.ts';
import { MAuthLambdaAuthenticator } from '../../lib/adapters/aws-lambda/mauth-compat.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { KeyStoreError } from '../../lib/keys/types.ts';
import { createMAuthSigner, MAUTH_MESSAGES } from '../../lib/schemes/mauth/index.ts';
import { httpAuthorizerEvent, httpProxyEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { APP_UUID, mauthConfig, PRIVATE_KEY } from '../fixtures/mauth-app.ts';

const doc = mauthConfig({ routes: [{ path: '/uploads/*', verifyInFunction: true }, { path: '*' }] });
const auth = createAuthenticator(loadConfig(doc));
const logs: unknown[] = [];
const authorizer = createAuthorizerHandler({ authenticator: () => auth, log: (e) => logs.push(e) });
const signer = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v1', 'v2'] });

const draft = (method: string, path: string, body = ''): SignedRequest => ({
  method,
  path,
  query: 'q=1',
  headers: [['Host', 'api.example.com'], ...(body ? ([['Content-Length', String(body.length)]] as Array<[string, string]>) : [])],
  body: new TextEncoder().encode(body),
});

afterAll(() => MAuthLambdaAuthenticator.configure());

describe('the Lambda authorizer with MAuth', () => {
  it('allows a bodyless MAuth GET, handing on the empty body it assumed', async () => {
    const signed = await signer.sign(draft('GET', '/items/1'));
    const res = (await authorizer(httpAuthorizerEvent(signed))) as SimpleAuthorizerResult;
    expect(res.isAuthorized).toBe(true);
    expect(res.context).toMatchObject({
      principal: 'mauth-app',
      scheme: 'mauth',
      verification: 'body-hash',
      bodySha256: EMPTY_BODY_SHA256,
    });
    // The integration confirms that assumption.
    expect(await confirmAuthorizerBody(httpProxyEvent(signed, { authorizer: res.context as Record<string, unknown> }))).toMatchObject({
      authentic: true,
    });
    // REST events too.
    const rest = await signer.sign(draft('GET', '/prod/items/1'));
    expect(await authorizer(restAuthorizerEvent(rest))).toMatchObject({ principalId: 'mauth-app' });
  });

  it('refuses a tampered bodyless GET and a body on a route that is not verifyInFunction, logging no app uuid', async () => {
    const signed = await signer.sign(draft('GET', '/items/1'));
    await expect(authorizer(httpAuthorizerEvent({ ...signed, query: 'q=2' }))).rejects.toThrow('Unauthorized');
    const withBody = await signer.sign(draft('POST', '/items', '{"n":1}'));
    await expect(authorizer(httpAuthorizerEvent(withBody))).rejects.toThrow('Unauthorized');
    expect(JSON.stringify(logs)).not.toContain(APP_UUID);
  });

  it('passes on a request with a body on a verifyInFunction route; the in-function check verifies it with the body', async () => {
    const signed = await signer.sign(draft('POST', '/uploads/a', '{"file":"x"}'));
    const res = (await authorizer(httpAuthorizerEvent(signed))) as SimpleAuthorizerResult;
    expect(res).toMatchObject({ isAuthorized: true, context: { verification: 'in-function' } });

    const integration = withAuthentication(auth, (_event, _context, principal) => ({ statusCode: 200, body: principal.id }));
    const event = (r: SignedRequest) => httpProxyEvent(r, { authorizer: res.context as Record<string, unknown> }) as never;
    expect(await integration(event(signed), {})).toMatchObject({ statusCode: 200, body: 'mauth-app' });
    const tampered = await integration(event({ ...signed, body: new TextEncoder().encode('{"file":"y"}') }), {});
    expect(tampered.statusCode).toBe(401);
    expect(JSON.parse(tampered.body)).toEqual({ errors: { mauth: [MAUTH_MESSAGES.signature] } });

    // The MAuth-compatible class, as a mauth-client-python Lambda would call it.
    MAuthLambdaAuthenticator.configure({ document: doc });
    const headers = Object.fromEntries(signed.headers);
    const ok = new MAuthLambdaAuthenticator('POST', 'https://api.example.com/uploads/a?q=1', headers, '{"file":"x"}');
    expect(await ok.isAuthentic()).toEqual([true, 200, '']);
    expect(ok.getAppUuid()).toBe(APP_UUID);
    const bad = new MAuthLambdaAuthenticator('POST', 'https://api.example.com/uploads/a?q=1', headers, '{"file":"y"}');
    expect(await bad.isAuthentic()).toEqual([false, 401, MAUTH_MESSAGES.signature]);
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
