// A scheme's own failure body (SchemeImplementation.failureBody): MAuth answers in the original
// middleware's shape with its messages, through the Hono middleware and the in-function HTTP answers;
// SigV4 (no hook) keeps the adapters' body; the status never changes.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../authenticator.ts';
import { loadConfig } from '../config/load.ts';
import type { SignedRequest } from '../core/request.ts';
import { KeyStoreError } from '../keys/types.ts';
import { createMAuthSigner, MAUTH_MESSAGES } from '../schemes/mauth/index.ts';
import { createSigV4Signer } from '../schemes/sigv4/signer.ts';
import { APP_UUID, mauthConfig, PRIVATE_KEY } from '../../test/fixtures/mauth-app.ts';
import { httpProxyEvent } from '../../test/fixtures/apigw.ts';
import { authenticate, withAuthentication } from './aws-lambda/in-function.ts';
import { edgeAuth, type EdgeAuthVariables } from './hono/middleware.ts';

const mauthOnly = createAuthenticator(loadConfig(mauthConfig()));
const v2Only = createAuthenticator(loadConfig(mauthConfig({ schemes: { mauth: { v2Only: true } } })));
const both = createAuthenticator(
  loadConfig(
    mauthConfig({
      schemes: { mauth: {}, sigv4: { region: 'us-east-1', service: 'execute-api' } },
      keys: [
        ...(mauthConfig().keys as unknown[]),
        { id: 'AKIDBOTH', scheme: 'sigv4', secret: 'failure-body-secret-1', principal: 'sig', permissions: [] },
      ],
    }),
  ),
);
const v2 = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v2'] });
const v1 = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v1'] });
const sigv4 = createSigV4Signer({ keyId: 'AKIDBOTH', secret: 'not-the-secret-000', region: 'us-east-1', service: 'execute-api' });
const mauthBody = (message: string) => ({ errors: { mauth: [message] } });

const draft = (body = '{"n":1}', path = '/items'): SignedRequest => ({
  method: 'POST',
  path,
  query: 'a=1',
  headers: [['host', 'api.example.com']],
  body: new TextEncoder().encode(body),
});

function app(auth: ReturnType<typeof createAuthenticator>) {
  const a = new Hono<{ Variables: EdgeAuthVariables }>();
  a.use('*', edgeAuth({ authenticator: auth }));
  a.all('*', (c) => c.json({ ok: true, principal: c.get('auth')?.principal.id ?? null }));
  return a;
}

async function send(auth: ReturnType<typeof createAuthenticator>, req: SignedRequest) {
  const res = await app(auth).request(`https://api.example.com${req.path}${req.query ? '?' + req.query : ''}`, {
    method: req.method,
    headers: req.headers.filter(([n]) => n !== 'host') as Array<[string, string]>,
    ...(req.body && req.body.length > 0 ? { body: req.body as Uint8Array<ArrayBuffer> } : {}),
  });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

describe('MAuth failure bodies in the Hono middleware', () => {
  it('accepts a signed request (the body is the route’s)', async () => {
    expect(await send(mauthOnly, await v2.sign(draft()))).toMatchObject({ status: 200, body: { ok: true, principal: 'mauth-app' } });
  });

  it('answers a tampered body 401 with {"errors":{"mauth":[...]}} and the original’s message', async () => {
    const signed = await v2.sign(draft());
    const res = await send(mauthOnly, { ...signed, body: new TextEncoder().encode('{"n":2}') });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(mauthBody(MAUTH_MESSAGES.signature));
    expect(JSON.stringify(res.body)).not.toContain(APP_UUID);
  });

  it('answers an unknown app uuid exactly like a bad signature', async () => {
    const stranger = createMAuthSigner({ appUuid: 'ffffffff-0000-0000-0000-000000000000', privateKey: PRIVATE_KEY });
    const res = await send(mauthOnly, await stranger.sign(draft()));
    expect(res).toMatchObject({ status: 401, body: mauthBody(MAUTH_MESSAGES.signature) });
  });

  it('answers an unsigned request with the original’s missing message when MAuth is the only scheme', async () => {
    expect(await send(mauthOnly, draft())).toMatchObject({ status: 401, body: mauthBody(MAUTH_MESSAGES.missing) });
    expect(await send(v2Only, draft())).toMatchObject({ status: 401, body: mauthBody(MAUTH_MESSAGES.missingV2Only) });
  });

  it('answers a v1-only request in v2-only mode with the original’s message', async () => {
    expect(await send(v2Only, await v1.sign(draft()))).toMatchObject({ status: 401, body: mauthBody(MAUTH_MESSAGES.v2Required) });
  });

  it('answers a stale request with the time message', async () => {
    const old = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, clock: () => Date.now() - 3_600_000 });
    expect(await send(mauthOnly, await old.sign(draft()))).toMatchObject({ status: 401, body: mauthBody(MAUTH_MESSAGES.time(300)) });
  });

  it('keeps the adapters’ body for other schemes and for unsigned requests when several schemes are on', async () => {
    const bad = await send(both, await sigv4.sign(draft()));
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: 'ERR_SIGNATURE_INVALID', status: 401 });
    expect(await send(both, draft())).toMatchObject({ status: 401, body: { error: 'ERR_AUTH_MISSING' } });
    // A MAuth request among several schemes still answers in MAuth's shape.
    expect(await send(both, { ...(await v2.sign(draft())), query: 'a=2' })).toMatchObject({
      status: 401,
      body: mauthBody(MAUTH_MESSAGES.signature),
    });
  });

  it('answers a key store that cannot answer 503 with the original’s unavailable message', async () => {
    const down = createAuthenticator(loadConfig(mauthConfig()), {
      keys: { get: () => Promise.reject(new KeyStoreError('timeout', 'down')) },
    });
    expect(await send(down, await v2.sign(draft()))).toMatchObject({ status: 503, body: mauthBody(MAUTH_MESSAGES.unavailable) });
  });

  it('keeps the status and the challenge', async () => {
    const res = await send(mauthOnly, draft());
    expect(res.headers.get('www-authenticate')).toBe('MWSV2, MWS');
  });
});

describe('MAuth failure bodies in withAuthentication()', () => {
  const handler = withAuthentication(mauthOnly, () => ({ statusCode: 200, body: 'ok' }));
  const event = (r: SignedRequest) => httpProxyEvent(r) as never;

  it('answers a tampered query 401 in the original shape, and a signed request 200', async () => {
    const signed = await v2.sign(draft());
    expect(await handler(event(signed), {})).toMatchObject({ statusCode: 200, body: 'ok' });
    const res = await handler(event({ ...signed, query: 'a=2' }), {});
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body)).toEqual(mauthBody(MAUTH_MESSAGES.signature));
  });
});

describe('InFunctionResult.body from authenticate()', () => {
  it('carries the MAuth body for a MAuth failure, and none for SigV4 or on success', async () => {
    const signed = await v2.sign(draft());
    const input = (r: SignedRequest) => ({ method: r.method, url: `${r.path}?${r.query}`, headers: r.headers, body: r.body ?? null });
    expect(await authenticate(mauthOnly, input({ ...signed, query: 'a=2' }))).toMatchObject({
      authentic: false,
      status: 401,
      body: mauthBody(MAUTH_MESSAGES.signature),
    });
    expect(await authenticate(mauthOnly, input(signed))).not.toHaveProperty('body');
    expect(await authenticate(both, input(await sigv4.sign(draft())))).not.toHaveProperty('body');
  });
});
