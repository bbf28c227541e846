// The MAuth key service client (lib/keys/mauth-key-service.ts) in local and remote mode, against a
// stand-in service on 127.0.0.1 that checks the MAuth signature of every request the client sends
// with our own verifier. Opened the way deployments open it: the Lambda opener (private key from the
// environment) and the Worker's Hono app (private key from a secret binding). Every error and log line
// is checked for app uuids, keys and signatures.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaKeyStoreOpener } from '../../functions/lambda-key-stores.ts';
import { createWorker } from '../../functions/worker.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { ConfigError } from '../../lib/config/records.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import {
  createMAuthKeyServiceStore,
  createMAuthRemoteStore,
  mauthKeyServiceClientOptions,
  mauthKeyServiceSource,
  maxAgeOf,
  type MAuthKeyServiceOptions,
  type MAuthKeyServiceSpec,
} from '../../lib/keys/mauth-key-service.ts';
import { KeyStoreError } from '../../lib/keys/types.ts';
import { createMAuthSigner } from '../../lib/schemes/mauth/signer.ts';
import { createMAuthVerifier } from '../../lib/schemes/mauth/verifier.ts';
import { startMAuthService, type MAuthService } from '../helpers/mauth-service.ts';

function keyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

// Our app (the client of the key service), app A (a caller of our API), and a key nobody knows.
const OUR_UUID = 'b0a1c2d3-e4f5-4a6b-8c7d-0e1f2a3b4c5d';
const A_UUID = '5ff4257e-9c16-11e0-b048-0026bbfffe5e';
const UNKNOWN_UUID = '11111111-2222-4333-8444-555555555555';
const ours = keyPair();
const appA = keyPair();
const stranger = keyPair();

let svc: MAuthService;
let refusalsExpected = false;
/** Every value that must never reach an error message or a log line. */
const SECRETS = [OUR_UUID, A_UUID, UNKNOWN_UUID, ...[ours, appA, stranger].flatMap((k) => [pemBody(k.privateKey), pemBody(k.publicKey)])];

function pemBody(pem: string): string {
  return pem.split('\n')[5]!; // a line from the middle of the base64
}

function expectNothingSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

beforeAll(async () => {
  svc = await startMAuthService({ appUuid: OUR_UUID, publicKeyPem: ours.publicKey });
  svc.addApp(A_UUID, appA.publicKey, 'app-a');
});
afterAll(() => svc.close());
afterEach(() => {
  // Every request our client sent carried a signature the service accepted as our app's.
  if (!refusalsExpected) expect(svc.calls.filter((c) => !c.signatureOk)).toEqual([]);
  refusalsExpected = false;
  svc.calls.length = 0;
  svc.fault = { kind: 'none' };
  svc.cacheControl = 'max-age=60';
  svc.inauthenticStatus = 412;
});

const client = (extra: Partial<MAuthKeyServiceOptions> = {}): MAuthKeyServiceOptions => ({
  url: svc.url,
  appUuid: OUR_UUID,
  privateKey: ours.privateKey,
  backoffMs: 1,
  ...extra,
});

const body = new TextEncoder().encode('{"order":42}');
const draft = (over: Partial<SignedRequest> = {}): SignedRequest => ({
  method: 'POST',
  path: '/orders/42',
  query: 'b=2&a=1',
  headers: [['host', 'api.example.com']],
  body,
  ...over,
});
const signAs = (uuid: string, privateKey: string, versions: Array<'v1' | 'v2'> = ['v2']) =>
  createMAuthSigner({ appUuid: uuid, privateKey, versions });

function storeSpec(extra: Record<string, unknown> = {}) {
  return {
    type: 'mauth-key-service',
    schemes: ['mauth'],
    url: svc.url,
    appUuid: OUR_UUID,
    privateKey: { env: 'MAUTH_PRIVATE_KEY' },
    ...extra,
  };
}

function lambdaAuth(extra: Record<string, unknown> = {}, env: Record<string, string | undefined> = { MAUTH_PRIVATE_KEY: ours.privateKey }) {
  const logs: object[] = [];
  const config = loadConfig(JSON.stringify({ schemes: { mauth: {} }, keyStores: [storeSpec(extra)] }));
  const auth = createAuthenticator(config, { openKeyStore: lambdaKeyStoreOpener({ env: () => env, log: (e) => logs.push(e) }) });
  return { auth, logs };
}

describe('the stand-in service', () => {
  it('refuses requests that are unsigned or signed with another key (401, the original error shape)', async () => {
    refusalsExpected = true;
    const unsigned = await fetch(`${svc.url}/mauth/v1/security_tokens/${A_UUID}.json`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ errors: { mauth: ['Authentication Failed'] } });
    const forged = await signAs(OUR_UUID, stranger.privateKey).sign({
      method: 'GET',
      path: `/mauth/v1/security_tokens/${A_UUID}.json`,
      query: '',
      headers: [],
      body: new Uint8Array(),
    });
    const res = await fetch(`${svc.url}/mauth/v1/security_tokens/${A_UUID}.json`, {
      headers: forged.headers.map(([n, v]): [string, string] => [n, v]),
    });
    expect(res.status).toBe(401);
    expect(svc.calls.map((c) => c.signatureOk)).toEqual([false, false]);
  });
});

describe('local mode', () => {
  it.each([['v2'], ['v1'], ['v1,v2']] as const)(
    'a request signed by app A verifies with the key the service serves (our requests signed %s)',
    async (signVersions) => {
      const { auth } = lambdaAuth({ signVersions });
      for (const versions of [['v2'], ['v1']] as Array<Array<'v1' | 'v2'>>) {
        const result = await auth.authenticate(await signAs(A_UUID, appA.privateKey, versions).sign(draft()));
        expect(result).toEqual({ ok: true, scheme: 'mauth', keyId: A_UUID, principal: { id: A_UUID, permissions: [] } });
      }
      expect(svc.tokenCalls(A_UUID)).toBe(1);
      // The service saw exactly the signature versions configured.
      const call = svc.calls[0]!;
      expect(call).toMatchObject({
        method: 'GET',
        path: `/mauth/v1/security_tokens/${A_UUID}.json`,
        signatureOk: true,
        signedWith: signVersions.split(','),
      });
    },
  );

  it('a tampered request is refused with the served key (signature invalid), and no second lookup is made', async () => {
    const { auth } = lambdaAuth();
    const signed = await signAs(A_UUID, appA.privateKey).sign(draft());
    expect((await auth.authenticate({ ...signed, query: 'a=1&b=3' })).ok).toBe(false);
    expect(await auth.authenticate({ ...signed, body: new TextEncoder().encode('{"order":43}') })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    });
    expect(svc.tokenCalls()).toBe(1);
  });

  it('keeps a key for the service max-age, 300 s without one, capped by the cache TTL', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const cases: Array<[string | undefined, number, Record<string, number>]> = [
      ['max-age=60', 60, {}],
      ['public, max-age=120', 120, {}],
      [undefined, 300, {}],
      ['no-cache', 300, {}],
      ['max-age=600', 300, {}],
      ['max-age=600', 600, { ttlSeconds: 3600 }],
    ];
    for (const [header, seconds, cache] of cases) {
      svc.cacheControl = header;
      svc.calls.length = 0;
      const keys = createMAuthKeyServiceStore(client(), { clock, ...cache });
      await keys.get(A_UUID);
      now += seconds * 1000 - 1;
      expect(await keys.get(A_UUID)).toMatchObject({ id: A_UUID });
      expect(svc.tokenCalls(), `${header ?? '(none)'}: fresh`).toBe(1);
      now += 2;
      await keys.get(A_UUID);
      expect(svc.tokenCalls(), `${header ?? '(none)'}: expired`).toBe(2);
    }
  });

  it('the source answers the max-age it read (default 300) and the record it built', async () => {
    const source = mauthKeyServiceSource(client());
    if (source.kind !== 'per-id') throw new Error('expected a per-id source');
    svc.cacheControl = 'max-age=42';
    expect(await source.lookup(A_UUID)).toEqual({
      record: {
        id: A_UUID,
        scheme: 'mauth',
        secrets: [],
        publicKeys: [{ format: 'spki', pem: appA.publicKey.trim() }],
        principal: A_UUID,
        permissions: [],
      },
      maxAgeSeconds: 42,
    });
    svc.cacheControl = undefined;
    expect((await source.lookup(A_UUID)).maxAgeSeconds).toBe(300);
    expect(maxAgeOf('max-age=0')).toBe(0);
    expect(maxAgeOf('s-maxage=10')).toBeUndefined();
    expect(maxAgeOf('private, MAX-AGE="30"')).toBe(30);
  });

  it('accepts a PKCS#1 public key from the service', async () => {
    const pkcs1 = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const uuid = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    svc.addApp(uuid, pkcs1.publicKey);
    try {
      const { auth } = lambdaAuth();
      expect((await auth.authenticate(await signAs(uuid, pkcs1.privateKey).sign(draft()))).ok).toBe(true);
    } finally {
      svc.removeApp(uuid);
    }
  });

  it('100 concurrent lookups of one uuid make one service call', async () => {
    const keys = createMAuthKeyServiceStore(client());
    const records = await Promise.all(Array.from({ length: 100 }, () => keys.get(A_UUID)));
    expect(new Set(records).size).toBe(1);
    expect(records[0]).toMatchObject({ id: A_UUID });
    expect(svc.tokenCalls()).toBe(1);
    expect(keys.stats).toMatchObject({ sourceCalls: 1, coalesced: 99 });
  });

  it('an unknown uuid is 401 and negatively cached; an id that is no uuid is unknown without a call', async () => {
    const { auth } = lambdaAuth();
    const signer = signAs(UNKNOWN_UUID, stranger.privateKey);
    for (let i = 0; i < 3; i++)
      expect(await auth.authenticate(await signer.sign(draft()))).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
    expect(svc.tokenCalls(UNKNOWN_UUID)).toBe(1);
    const keys = createMAuthKeyServiceStore(client());
    for (let i = 0; i < 3; i++) expect(await keys.get(UNKNOWN_UUID)).toBeUndefined();
    expect(keys.stats).toMatchObject({ sourceCalls: 1, negativeHits: 2 });
    expect(svc.tokenCalls(UNKNOWN_UUID)).toBe(2);

    const source = mauthKeyServiceSource(client());
    if (source.kind !== 'per-id') throw new Error('expected a per-id source');
    for (const id of ['../../admin', 'not-a-uuid', `${A_UUID}/x`, `${A_UUID}.json`, '', 'x'.repeat(5000)])
      expect(await source.lookup(id)).toEqual({ record: undefined });
    expect(svc.calls).toHaveLength(2);
  });

  it('an unknown uuid through the Worker is 401 with the same body as a bad signature', async () => {
    const res = await workerRequest(await signAs(UNKNOWN_UUID, stranger.privateKey).sign(draft()));
    expect(res.status).toBe(401);
  });

  describe('failures are ERR_KEYSTORE_UNAVAILABLE, never an accept', () => {
    const cases: Array<[string, MAuthServiceFaultLike, string, number, Partial<MAuthKeyServiceOptions>]> = [
      ['500 (retried, every attempt)', { kind: 'status', status: 500 }, 'server-error', 3, {}],
      ['503 (retried)', { kind: 'status', status: 503 }, 'server-error', 3, {}],
      ['429 (retried)', { kind: 'status', status: 429 }, 'throttled', 3, {}],
      ['a timeout (retried)', { kind: 'delay', ms: 400 }, 'timeout', 2, { timeoutMs: 100, maxAttempts: 2 }],
      ['a dropped connection (retried)', { kind: 'down' }, 'network', 3, {}],
      ['a 200 that is not JSON (not retried)', { kind: 'garbage' }, 'malformed-response', 1, {}],
      ['a key that is not PEM (not retried)', { kind: 'bad-key' }, 'invalid-record', 1, {}],
      ['400 (not retried)', { kind: 'status', status: 400 }, 'misconfigured', 1, {}],
      ['401, our signature refused (not retried)', { kind: 'status', status: 401 }, 'access-denied', 1, {}],
      ['a redirect (not followed)', { kind: 'status', status: 302 }, 'malformed-response', 1, {}],
    ];
    it.each(cases)('%s', async (_name, fault, expectedFault, attempts, extra) => {
      svc.fault = fault;
      const failed: unknown[] = [];
      const keys = createMAuthKeyServiceStore(client({ ...extra, onAttemptFailed: (e) => failed.push(e) }));
      const err = await keys.get(A_UUID).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KeyStoreError);
      expect(err).toMatchObject({ code: 'ERR_KEYSTORE_UNAVAILABLE', fault: expectedFault });
      expectNothingSecret(`${(err as Error).message} ${(err as Error).stack ?? ''} ${JSON.stringify(failed)}`);
      expect(svc.tokenCalls()).toBe(attempts);
      expect(failed).toHaveLength(attempts);
      expect(failed.at(-1)).toEqual({ fault: expectedFault, attempt: attempts, retrying: false });

      // The same through an authenticator: refused with the store code, and logged with codes only.
      svc.calls.length = 0;
      const { auth, logs } = lambdaAuth({ ...extra, maxAttempts: extra.maxAttempts ?? 3 });
      const result = await auth.authenticate(await signAs(A_UUID, appA.privateKey).sign(draft()));
      expect(result).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
      expect(logs).toContainEqual({ event: 'keystore.fault', fault: expectedFault, store: 0 });
      expectNothingSecret(JSON.stringify(result) + JSON.stringify(logs));
    });

    it('an answer without end is cancelled at its ceiling, in local and remote mode alike (a key needs its body: malformed-response; a ticket answer is its status)', async () => {
      for (const mode of ['local', 'remote'] as const) {
        const written = { bytes: 0 };
        svc.fault = { kind: 'endless', written };
        const answer =
          mode === 'local'
            ? createMAuthKeyServiceStore(client({ maxAttempts: 1 })).get(A_UUID)
            : createMAuthRemoteStore(client({ maxAttempts: 1 })).checkAuthenticationTicket({
                verb: 'GET',
                app_uuid: A_UUID,
                client_signature: 'x',
                request_url: '/',
                request_time: '1',
                b64encoded_body: '',
              });
        const outcome = await answer.then(
          (value) => ({ value }),
          (e: unknown) => e,
        );
        if (mode === 'local') expect(outcome, mode).toMatchObject({ code: 'ERR_KEYSTORE_UNAVAILABLE', fault: 'malformed-response' });
        else expect(outcome, mode).toEqual({ value: true });
        // The service stopped long before its 256 MiB: the client went away after 64 KiB and what the sockets buffered.
        await new Promise((r) => setTimeout(r, 50));
        expect(written.bytes, mode).toBeLessThan(32 * 1024 * 1024);
        svc.fault = { kind: 'none' };
      }
    });

    it('an answer over the ceiling is judged by its status first: a large 404 is unknown, a large 503 retried, a large 412 inauthentic', async () => {
      svc.fault = { kind: 'large', status: 404 };
      expect(await createMAuthKeyServiceStore(client({ maxAttempts: 1 })).get(A_UUID)).toBeUndefined();
      svc.fault = { kind: 'large', status: 503 };
      svc.calls.length = 0;
      await expect(createMAuthKeyServiceStore(client({ maxAttempts: 2 })).get(A_UUID)).rejects.toMatchObject({ fault: 'server-error' });
      expect(svc.tokenCalls()).toBe(2);
      svc.fault = { kind: 'large', status: 412 };
      const ticket = { verb: 'GET', app_uuid: A_UUID, client_signature: 'x', request_url: '/', request_time: '1', b64encoded_body: '' };
      expect(await createMAuthRemoteStore(client({ maxAttempts: 1 })).checkAuthenticationTicket(ticket)).toBe(false);
      svc.fault = { kind: 'large', status: 200 };
      await expect(createMAuthKeyServiceStore(client({ maxAttempts: 1 })).get(A_UUID)).rejects.toMatchObject({
        fault: 'malformed-response',
      });
      svc.fault = { kind: 'none' };
    });

    it('a failure that passes within the attempts is retried to success, with back-off', async () => {
      svc.fault = { kind: 'status', status: 503, times: 2 };
      const waits: number[] = [];
      const keys = createMAuthKeyServiceStore(
        client({ backoffMs: 100, random: () => 0.5, sleep: (ms) => (waits.push(ms), Promise.resolve()) }),
      );
      expect(await keys.get(A_UUID)).toMatchObject({ id: A_UUID });
      expect(svc.tokenCalls()).toBe(3);
      expect(waits).toEqual([75, 150]);
    });

    it('retries stop at the total time bound', async () => {
      svc.fault = { kind: 'delay', ms: 1_000 };
      const keys = createMAuthKeyServiceStore(client({ timeoutMs: 150, maxAttempts: 5, totalTimeoutMs: 400, backoffMs: 10 }));
      const started = Date.now();
      await expect(keys.get(A_UUID)).rejects.toMatchObject({ fault: 'timeout' });
      expect(Date.now() - started).toBeLessThan(900);
      expect(svc.tokenCalls()).toBeLessThanOrEqual(3);
    });

    it('an unreachable service is a network fault', async () => {
      const keys = createMAuthKeyServiceStore(client({ url: 'http://127.0.0.1:1', maxAttempts: 2 }));
      await expect(keys.get(A_UUID)).rejects.toMatchObject({ code: 'ERR_KEYSTORE_UNAVAILABLE', fault: 'network' });
    });

    it('a missing or unusable private key is misconfigured, and never calls the service', async () => {
      for (const privateKey of [() => undefined, '', 'not a pem', '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'])
        await expect(createMAuthKeyServiceStore(client({ privateKey })).get(A_UUID)).rejects.toMatchObject({ fault: 'misconfigured' });
      expect(svc.calls).toHaveLength(0);
      const { auth, logs } = lambdaAuth({}, {});
      expect(await auth.authenticate(await signAs(A_UUID, appA.privateKey).sign(draft()))).toMatchObject({
        ok: false,
        error: { code: 'ERR_KEYSTORE_UNAVAILABLE' },
      });
      expect(logs).toEqual([{ event: 'keystore.fault', fault: 'misconfigured', store: 0 }]);
    });

    it('our private key signed by the wrong key: the service refuses it (access-denied), not retried', async () => {
      refusalsExpected = true;
      await expect(createMAuthKeyServiceStore(client({ privateKey: stranger.privateKey })).get(A_UUID)).rejects.toMatchObject({
        fault: 'access-denied',
      });
      expect(svc.calls).toEqual([expect.objectContaining({ signatureOk: false })]);
    });

    it('a key stays in use past its TTL while the service fails (stale-if-error), then the store fails', async () => {
      let now = 5_000_000;
      const keys = createMAuthKeyServiceStore(client({ maxAttempts: 1 }), { clock: () => now, staleIfErrorSeconds: 100 });
      const record = await keys.get(A_UUID);
      svc.fault = { kind: 'status', status: 500 };
      now += 61_000;
      expect(await keys.get(A_UUID)).toBe(record);
      now += 100_000;
      await expect(keys.get(A_UUID)).rejects.toBeInstanceOf(KeyStoreError);
    });
  });

  it('a PEM written with literal \\n (as an environment variable holds it) signs', async () => {
    const { auth } = lambdaAuth({}, { MAUTH_PRIVATE_KEY: ours.privateKey.replace(/\n/g, '\\n') });
    expect((await auth.authenticate(await signAs(A_UUID, appA.privateKey).sign(draft()))).ok).toBe(true);
  });
});

type MAuthServiceFaultLike = MAuthService['fault'];

describe('remote mode', () => {
  const remoteAuth = () => lambdaAuth({ mode: 'remote' });

  it.each([['v2'], ['v1']] as const)('an authentic %s request: the service says so, the principal is the app uuid', async (version) => {
    const { auth } = remoteAuth();
    const result = await auth.authenticate(await signAs(A_UUID, appA.privateKey, [version]).sign(draft()));
    expect(result).toEqual({ ok: true, scheme: 'mauth', keyId: A_UUID, principal: { id: A_UUID, permissions: [] } });
    expect(svc.ticketCalls()).toBe(1);
    expect(svc.tokenCalls()).toBe(0);
  });

  it('nothing is cached: each request is a ticket check', async () => {
    const { auth } = remoteAuth();
    const signed = await signAs(A_UUID, appA.privateKey).sign(draft());
    for (let i = 0; i < 3; i++) expect((await auth.authenticate(signed)).ok).toBe(true);
    expect(svc.ticketCalls()).toBe(3);
  });

  it.each([[412], [404]] as const)('%s from the service is inauthentic (401)', async (status) => {
    svc.inauthenticStatus = status;
    const { auth } = remoteAuth();
    const signed = await signAs(A_UUID, appA.privateKey).sign(draft());
    expect(await auth.authenticate({ ...signed, query: 'a=1&b=3' })).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    });
    expect(await auth.authenticate(await signAs(UNKNOWN_UUID, stranger.privateKey).sign(draft()))).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    });
    expect(svc.ticketCalls()).toBe(2);
  });

  it.each([
    [500, 'server-error', 3],
    [503, 'server-error', 3],
    [401, 'access-denied', 1],
    [400, 'misconfigured', 1],
  ] as const)('%s from the service is unavailable (%s, %s attempts), never an accept', async (status, fault, attempts) => {
    svc.fault = { kind: 'status', status };
    const { auth, logs } = remoteAuth();
    const result = await auth.authenticate(await signAs(A_UUID, appA.privateKey).sign(draft()));
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
    expect(svc.ticketCalls()).toBe(attempts);
    expect(logs).toEqual([
      ...Array.from({ length: attempts - 1 }, (_, i) => ({ event: 'keystore.retry', fault, attempt: i + 1, store: 0 })),
      { event: 'keystore.fault', fault, store: 0 },
    ]);
    expectNothingSecret(JSON.stringify(result) + JSON.stringify(logs));
  });

  it('a timeout is unavailable', async () => {
    svc.fault = { kind: 'delay', ms: 500 };
    const { auth } = lambdaAuth({ mode: 'remote', timeoutMs: 100, maxAttempts: 1 });
    expect(await auth.authenticate(await signAs(A_UUID, appA.privateKey).sign(draft()))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEYSTORE_UNAVAILABLE' },
    });
  });

  it("the tickets hold the original's fields: v1 without, v2 with query_string and token", async () => {
    // mauth-client-python tests/authenticator_test.py: test_authentication_v1_happy_path and _v2_.
    const store = createMAuthRemoteStore(client());
    const verifier = createMAuthVerifier({ keys: store });
    const utf8Body = new TextEncoder().encode('こんにちはÆ');
    const request = (query: string): SignedRequest => ({ method: 'POST', path: '/sandbox/path', query, headers: [], body: utf8Body });
    const v1 = await signAs(A_UUID, appA.privateKey, ['v1']).sign(request(''));
    const v2 = await signAs(A_UUID, appA.privateKey, ['v2']).sign(request(''));
    const v2q = await signAs(A_UUID, appA.privateKey, ['v2']).sign(request('k=v&a=b%20c'));
    for (const r of [v1, v2, v2q]) expect((await verifier.verify(r)).ok).toBe(true);
    const header = (r: SignedRequest, name: string) => r.headers.find(([n]) => n.toLowerCase() === name)![1];
    const sig = (r: SignedRequest, name: string) => /:(.*?);?$/.exec(header(r, name))![1];
    const tickets = svc.calls.map((c) => c.ticket);
    expect(tickets[0]).toStrictEqual({
      verb: 'POST',
      app_uuid: A_UUID,
      client_signature: sig(v1, 'x-mws-authentication'),
      request_url: '/sandbox/path',
      request_time: header(v1, 'x-mws-time'),
      b64encoded_body: '44GT44KT44Gr44Gh44Gvw4Y=',
    });
    expect(tickets[1]).toStrictEqual({
      verb: 'POST',
      app_uuid: A_UUID,
      client_signature: sig(v2, 'mcc-authentication'),
      request_url: '/sandbox/path',
      request_time: header(v2, 'mcc-time'),
      b64encoded_body: '44GT44KT44Gr44Gh44Gvw4Y=',
      query_string: '',
      token: 'MWSV2',
    });
    expect(tickets[2]).toMatchObject({ query_string: 'k=v&a=b%20c', token: 'MWSV2' });
    expect(svc.calls.every((c) => c.method === 'POST' && c.path === '/mauth/v1/authentication_tickets.json')).toBe(true);
  });

  it('the store has no records; an explicit `remote` option still wins over the store', async () => {
    const store = createMAuthRemoteStore(client());
    expect(await store.get(A_UUID)).toBeUndefined();
    const verifier = createMAuthVerifier({ keys: store, remote: () => Promise.resolve(false) });
    expect((await verifier.verify(await signAs(A_UUID, appA.privateKey).sign(draft()))).ok).toBe(false);
    expect(svc.calls).toHaveLength(0);
  });
});

// The Worker: the Hono app with AUTH_CONFIG naming the store and the private key in a secret binding.
function workerEnv(extra: Record<string, unknown> = {}) {
  return {
    AUTH_CONFIG: JSON.stringify({
      schemes: { mauth: {} },
      keyStores: [storeSpec({ privateKey: { binding: 'MAUTH_PRIVATE_KEY' }, ...extra })],
    }),
    MAUTH_PRIVATE_KEY: ours.privateKey,
  };
}

let worker = createWorker();
async function workerRequest(r: SignedRequest, env: Record<string, unknown> = workerEnv()) {
  return worker.request(
    `https://api.example.com${r.path}${r.query ? `?${r.query}` : ''}`,
    {
      method: r.method,
      headers: r.headers.map(([n, v]): [string, string] => [n, v]),
      ...(r.body ? { body: r.body as Uint8Array<ArrayBuffer> } : {}),
    },
    env,
  );
}

describe('the Worker (Hono app in Node)', () => {
  afterEach(() => {
    worker = createWorker();
    vi.restoreAllMocks();
  });

  it.each([['local'], ['remote']] as const)('%s mode: app A is accepted, a tampered request is 401', async (mode) => {
    const env = workerEnv({ mode });
    const signed = await signAs(A_UUID, appA.privateKey).sign(draft());
    const ok = await workerRequest(signed, env);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ principal: A_UUID, permissions: [] });
    expect((await workerRequest({ ...signed, query: 'a=1&b=9' }, env)).status).toBe(401);
    if (mode === 'local') expect(svc.tokenCalls()).toBe(1);
    else expect(svc.ticketCalls()).toBe(2);
  });

  it('a failing service answers 503 and logs codes only', async () => {
    const lines: string[] = [];
    for (const m of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    svc.fault = { kind: 'status', status: 500 };
    const res = await workerRequest(await signAs(A_UUID, appA.privateKey).sign(draft()));
    expect(res.status).toBe(503);
    const text = (await res.text()) + lines.join('\n');
    expect(lines.some((l) => l.includes('"keystore.fault"'))).toBe(true);
    expectNothingSecret(text);
  });

  it('a missing private key binding answers 503 (misconfigured)', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const env = { ...workerEnv(), MAUTH_PRIVATE_KEY: undefined };
    expect((await workerRequest(await signAs(A_UUID, appA.privateKey).sign(draft()), env)).status).toBe(503);
    expect(lines.join('\n')).toContain('"fault":"misconfigured"');
    expect(svc.calls).toHaveLength(0);
  });
});

describe('the configuration entry', () => {
  const parse = (entry: Record<string, unknown>) => loadConfig(JSON.stringify({ schemes: { mauth: {} }, keyStores: [entry] }));
  const issues = (entry: Record<string, unknown>) => {
    try {
      parse(entry);
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.join('\n');
      throw e;
    }
    return '';
  };

  it('fills in the defaults', () => {
    expect(parse(storeSpec()).keyStores[0]).toEqual({
      type: 'mauth-key-service',
      schemes: ['mauth'],
      url: svc.url,
      insecureHttp: false,
      mode: 'local',
      appUuid: OUR_UUID,
      privateKey: { env: 'MAUTH_PRIVATE_KEY' },
      signVersions: 'v2',
      timeoutMs: 2000,
      maxAttempts: 3,
      totalTimeoutMs: 5000,
      cache: {},
      hydrate: false,
    });
  });

  it.each([
    ['an ftp url', { url: 'ftp://mauth.example.com' }, 'url'],
    ['a url with credentials', { url: 'https://user:pw@mauth.example.com' }, 'url'],
    ['a url that is none', { url: 'mauth.example.com' }, 'url'],
    ['another scheme', { schemes: ['mauth', 'sigv4'] }, 'schemes'],
    ['the private key itself', { privateKey: '-----BEGIN RSA PRIVATE KEY-----' }, 'privateKey'],
    ['a private key in another shape', { privateKey: { value: 'x' } }, 'privateKey'],
    ['an app uuid that is none', { appUuid: 'my-app' }, 'appUuid'],
    ['an unknown mode', { mode: 'hybrid' }, 'mode'],
    ['unknown sign versions', { signVersions: 'v3' }, 'signVersions'],
    ['too many attempts', { maxAttempts: 10 }, 'maxAttempts'],
    ['an unknown field', { privateKeyPem: 'x' }, 'privateKeyPem'],
    ['plain http to another host', { url: 'http://mauth.example.com' }, 'keyStores[0].url: must be https'],
    ['plain http to a host that only starts like loopback', { url: 'http://127.0.0.1.example.com' }, 'keyStores[0].url: must be https'],
    ['plain http with user info before a loopback host', { url: 'http://mauth.example.com@127.0.0.1' }, 'url'],
    ['insecureHttp that is not a boolean', { url: 'http://mauth.example.com', insecureHttp: 'yes' }, 'insecureHttp'],
  ])('refuses %s', (_name, extra, field) => {
    const text = issues(storeSpec(extra));
    expect(text).not.toBe('');
    if (field !== 'schemes') expect(text).toContain(field);
    expect(text).not.toContain('BEGIN RSA');
    expect(text).not.toContain('mauth.example.com');
  });

  it.each([
    ['https', { url: 'https://mauth.example.com' }],
    ['https in capitals, as URLs may be written', { url: 'HTTPS://mauth.example.com' }],
    ['http to 127.0.0.1', { url: 'http://127.0.0.1:8080' }],
    ['http to localhost', { url: 'http://localhost:8080/base' }],
    ['http to [::1]', { url: 'http://[::1]:8080' }],
    ['http to another host with insecureHttp', { url: 'http://mauth.internal:8080', insecureHttp: true }],
  ])('accepts %s', (_name, extra) => {
    expect(issues(storeSpec(extra))).toBe('');
  });

  it('the client refuses plain http to another host unless insecureHttp is set (a man in the middle would choose the keys)', () => {
    for (const url of ['http://mauth.example.com', 'http://10.0.0.5:7000', 'http://127.0.0.1.example.com'])
      expect(() => mauthKeyServiceSource(client({ url }))).toThrow(/must be https/);
    expect(() => createMAuthRemoteStore(client({ url: 'http://mauth.example.com' }))).toThrow(/must be https/);
    // A password without a user name is credentials too, not dropped in silence.
    expect(() => mauthKeyServiceSource(client({ url: 'https://:pw@mauth.example.com' }))).toThrow(/without query, fragment or credentials/);
    expect(() => mauthKeyServiceSource(client({ url: 'http://mauth.example.com', insecureHttp: true }))).not.toThrow();
    expect(() => mauthKeyServiceSource(client({ url: 'http://localhost:1' }))).not.toThrow();
  });

  it('an entry with insecureHttp hands it to the client, and one without does not', () => {
    const options = (extra: Record<string, unknown>) => {
      const spec = parse(storeSpec(extra)).keyStores[0] as MAuthKeyServiceSpec;
      return mauthKeyServiceClientOptions(
        spec,
        0,
        () => ours.privateKey,
        () => undefined,
      );
    };
    const allowed = options({ url: 'http://mauth.internal:7000', insecureHttp: true });
    expect(allowed.insecureHttp).toBe(true);
    expect(() => mauthKeyServiceSource(allowed)).not.toThrow();
    expect(options({ url: 'https://mauth.example.com' }).insecureHttp).toBeUndefined();
  });

  it('the Lambda opener refuses a private key named by binding; the Worker reads {"env"} from its bindings', async () => {
    expect(() => lambdaAuth({ privateKey: { binding: 'MAUTH_PRIVATE_KEY' } })).toThrow(ConfigError);
    const env = workerEnv({ privateKey: { env: 'MAUTH_PRIVATE_KEY' } });
    expect((await workerRequest(await signAs(A_UUID, appA.privateKey).sign(draft()), env)).status).toBe(200);
  });

  it('creation refuses a bad url or app uuid (TypeError, no value quoted)', () => {
    expect(() => mauthKeyServiceSource(client({ url: 'file:///etc/passwd' }))).toThrow(TypeError);
    expect(() => createMAuthRemoteStore(client({ appUuid: 'nope' }))).toThrow(/appUuid must be an app uuid/);
  });
});
