// The Secrets Manager key store through the real SDK client (@aws-sdk/client-secrets-manager),
// talking to a local endpoint that checks every request's SigV4 signature with our own verifier.
// Faults are injected at the endpoint; call counts are taken there. Every error and log line is
// checked for the secret value, the secret name and the key id.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaKeyStoreOpener } from '../../functions/lambda-key-stores.ts';
import { openLambdaKeyStore } from '../../lib/adapters/aws-lambda/index.ts';
import { openSecretsManagerStore } from '../../lib/adapters/aws-lambda/secrets-manager-store.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { ConfigError } from '../../lib/config/records.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { KeyStoreSpec } from '../../lib/config/schema.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import type { CachedKeyStore } from '../../lib/keys/cache.ts';
import { createSecretsManagerSource, secretsManagerFault, sdkSecretReader } from '../../lib/keys/secrets-manager.ts';
import { KeyStoreError } from '../../lib/keys/types.ts';
import type { CryptoBackend, SyncCryptoBackend } from '../../lib/core/crypto.ts';
import { nodeCrypto } from '../../lib/core/crypto-node.ts';
import { createMAuthSigner } from '../../lib/schemes/mauth/index.ts';
import { APP_UUID, PRIVATE_KEY, PUBLIC_KEY } from '../fixtures/mauth-app.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import {
  startSecretsManagerEndpoint,
  TEST_CREDENTIALS,
  type EndpointFault,
  type SecretsManagerEndpoint,
} from '../helpers/secrets-manager-endpoint.ts';

const PREFIX = 'edge-authorizer/keys/';
let ep: SecretsManagerEndpoint;
let refusalsExpected = false;

beforeAll(async () => {
  ep = await startSecretsManagerEndpoint();
});
afterAll(() => ep.close());
afterEach(() => {
  // Every request the SDK signed with the right key passed our verifier.
  if (!refusalsExpected) expect(ep.calls.filter((c) => !c.signatureOk)).toEqual([]);
  refusalsExpected = false;
  ep.fault = { kind: 'none' };
  ep.faultStage = undefined;
  ep.calls.length = 0;
});

let serial = 0;
/** A fresh key id, its secret and its record text. */
function newKey(extra: Record<string, unknown> = {}) {
  serial++;
  const id = `AKIDSM${String(serial).padStart(4, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
  const secret = `sm-secret-${randomBytes(12).toString('hex')}`;
  const record = { id, scheme: 'sigv4', secret, principal: `svc-${serial}`, permissions: ['items:read'], ...extra };
  return { id, secret, name: PREFIX + id, record, text: JSON.stringify(record) };
}

interface Harness {
  store: CachedKeyStore;
  logs: object[];
  now: { ms: number };
}

function spec(over: Partial<KeyStoreSpec> = {}): KeyStoreSpec {
  return {
    type: 'secrets-manager',
    schemes: ['sigv4'],
    prefix: PREFIX,
    region: 'us-east-1',
    endpoint: ep.url,
    pending: true,
    timeoutMs: 1_000,
    maxAttempts: 1,
    cache: {},
    ...over,
  } as KeyStoreSpec;
}

/** The store as the Lambda authorizer opens it (real SDK client), with its log lines captured and a clock the test moves. */
function open(over: Partial<KeyStoreSpec> = {}, credentials: { accessKeyId: string; secretAccessKey: string } = TEST_CREDENTIALS): Harness {
  const logs: object[] = [];
  const now = { ms: 1_800_000_000_000 };
  const store = openSecretsManagerStore(spec(over) as Extract<KeyStoreSpec, { type: 'secrets-manager' }>, 0, {
    region: 'us-east-1',
    credentials,
    log: (e) => logs.push(e),
    clock: () => now.ms,
  });
  return { store, logs, now };
}

/** Neither the thrown error nor any log line names the secret's value, the secret's name or the key id. */
function expectNothingSecret(texts: unknown[], ...values: string[]) {
  const all = texts
    .map((t) => (t instanceof Error ? `${t.name}: ${t.message}\n${t.stack ?? ''}\n${JSON.stringify(t)}` : JSON.stringify(t)))
    .join('\n');
  for (const v of values) expect(all).not.toContain(v);
}

async function failure(p: Promise<unknown>): Promise<KeyStoreError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyStoreError);
  expect((e as KeyStoreError).cause).toBeUndefined();
  return e as KeyStoreError;
}

describe('reading key records', () => {
  it.each([
    ['SecretString', (text: string) => ({ string: text })],
    ['SecretBinary (UTF-8 JSON)', (text: string) => ({ binary: new TextEncoder().encode(text) })],
  ])('reads a record from %s', async (_label, value) => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], ...value(k.text) }]);
    const { store } = open();
    const record = await store.get(k.id);
    expect(record).toMatchObject({ id: k.id, secrets: [k.secret], principal: k.record.principal, permissions: ['items:read'] });
    expect(ep.calls.map((c) => [c.secretId, c.stage])).toEqual([
      [k.name, 'AWSCURRENT'],
      [k.name, 'AWSPENDING'],
    ]);
  });

  it('an unknown key is undefined (ResourceNotFoundException), remembered without asking again', async () => {
    const { store } = open();
    expect(await store.get('AKIDNOSUCHKEY0000001')).toBeUndefined();
    expect(await store.get('AKIDNOSUCHKEY0000001')).toBeUndefined();
    expect(ep.count()).toBe(1);
    expect(store.stats.negativeHits).toBe(1);
  });

  it('a secret marked for deletion (InvalidRequestException) is an unknown key: revoked', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    ep.markDeleted(k.name);
    const { store, logs } = open();
    expect(await store.get(k.id)).toBeUndefined();
    expectNothingSecret(logs, k.secret, k.name, k.id);
  });

  it('a key id that cannot name a secret is unknown without a call', async () => {
    const { store } = open();
    expect(await store.get('has space')).toBeUndefined();
    expect(await store.get('x'.repeat(600))).toBeUndefined();
    expect(ep.count()).toBe(0);
  });

  it('reads only AWSCURRENT when pending is off', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const { store } = open({ pending: false });
    expect((await store.get(k.id))?.secrets).toEqual([k.secret]);
    expect(ep.calls.map((c) => c.stage)).toEqual(['AWSCURRENT']);
  });
});

describe('the endpoint checks every request with our SigV4 verifier', () => {
  it('refuses the SDK signing with a wrong secret access key (403), which the store reports as access-denied', async () => {
    refusalsExpected = true;
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const { store, logs } = open({}, { ...TEST_CREDENTIALS, secretAccessKey: 'a-wrong-secret-access-key-for-the-test' });
    const e = await failure(store.get(k.id));
    expect(e.fault).toBe('access-denied');
    expect(ep.calls).toHaveLength(1);
    expect(ep.calls[0]!.signatureOk).toBe(false);
    expect(logs).toContainEqual({ event: 'keystore.fault', fault: 'access-denied', store: 0 });
    expectNothingSecret([e, ...logs], k.secret, k.name, k.id);
  });

  it('accepts the same request signed with the right key', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    expect(await open().store.get(k.id)).toBeDefined();
    expect(ep.calls.length).toBeGreaterThan(0);
    expect(ep.calls.every((c) => c.signatureOk)).toBe(true);
  });
});

describe('faults: a store fault, never a key, and nothing secret in errors or logs', () => {
  it.each<[string, EndpointFault, string, number]>([
    ['slower than the timeout', { kind: 'delay', ms: 600 }, 'timeout', 1],
    ['HTTP 500 (retried once with maxAttempts 2)', { kind: 'status-500' }, 'server-error', 2],
    ['ThrottlingException (retried once)', { kind: 'throttle' }, 'throttled', 2],
    ['a 200 whose body is not JSON', { kind: 'malformed-json' }, 'malformed-response', 1],
    ['AccessDeniedException (the message names the secret)', { kind: 'access-denied' }, 'access-denied', 1],
    ['the connection reset', { kind: 'down' }, 'network', 2],
  ])('%s: KeyStoreError %s', async (_label, fault, word, calls) => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    ep.fault = fault;
    // The SDK's back-off before retrying a throttled call can pass 200 ms: only the timeout row is that short.
    const { store, logs } = open({ timeoutMs: fault.kind === 'delay' ? 200 : 5_000, maxAttempts: 2 });
    const started = Date.now();
    const e = await failure(store.get(k.id));
    expect(e.fault).toBe(word);
    expect(e.code).toBe('ERR_KEYSTORE_UNAVAILABLE');
    // A timeout ends the call, retries included: the second attempt may or may not have started.
    if (fault.kind === 'delay') expect(ep.count(k.name)).toBeLessThanOrEqual(2);
    else expect(ep.count(k.name)).toBe(calls);
    expect(logs).toEqual([{ event: 'keystore.fault', fault: word, store: 0 }]);
    expectNothingSecret([e, ...logs], k.secret, k.name, k.id);
    if (fault.kind === 'delay') expect(Date.now() - started).toBeLessThan(550);
  });

  it.each<[string, (k: ReturnType<typeof newKey>) => { string?: string; binary?: Uint8Array }]>([
    ['malformed JSON', (k) => ({ string: `{"id":"${k.id}","secret":"${k.secret}",` })],
    ['JSON that is not an object', (k) => ({ string: JSON.stringify([k.record]) })],
    ['a record without a principal', (k) => ({ string: JSON.stringify({ ...k.record, principal: undefined }) })],
    ['a record with a secret too short', (k) => ({ string: JSON.stringify({ ...k.record, secret: 'short' }) })],
    ['a record with an unknown field', (k) => ({ string: JSON.stringify({ ...k.record, password: k.secret }) })],
    ['a record for another key id', (k) => ({ string: JSON.stringify({ ...k.record, id: 'AKIDSOMEONEELSE00001' }) })],
    ['a record naming a scheme not served here', (k) => ({ string: JSON.stringify({ ...k.record, scheme: 'mauth' }) })],
    ['binary that is not UTF-8', () => ({ binary: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) })],
  ])('a secret holding %s: invalid-record', async (_label, value) => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], ...value(k) }]);
    const { store, logs } = open();
    const e = await failure(store.get(k.id));
    expect(e.fault).toBe('invalid-record');
    expect(logs).toContainEqual(expect.objectContaining({ event: 'keystore.invalid-record', store: 0, stage: 'current' }));
    expect(logs).toContainEqual({ event: 'keystore.fault', fault: 'invalid-record', store: 0 });
    expectNothingSecret([e, ...logs], k.secret, k.name, k.id, 'AKIDSOMEONEELSE00001');
  });

  it('maps SDK errors by name, code and status, never by message', () => {
    const err = (name: string, extra: object = {}) =>
      Object.assign(new Error('secret edge-authorizer/keys/AKID quoted'), { name, ...extra });
    expect(secretsManagerFault(err('ResourceNotFoundException'))).toBe('not-found');
    expect(secretsManagerFault(err('InvalidRequestException'))).toBe('deleted');
    expect(secretsManagerFault(err('DecryptionFailure'))).toBe('access-denied');
    expect(secretsManagerFault(err('TimeoutError', { code: 'ECONNREFUSED' }))).toBe('network');
    expect(secretsManagerFault(err('TimeoutError', { code: 'ETIMEDOUT' }))).toBe('timeout');
    expect(secretsManagerFault(err('Whatever', { $metadata: { httpStatusCode: 503 } }))).toBe('server-error');
    expect(secretsManagerFault(err('Whatever', { $metadata: { httpStatusCode: 429 } }))).toBe('throttled');
    expect(secretsManagerFault(err('CredentialsProviderError'))).toBe('misconfigured');
    expect(secretsManagerFault('not an error')).toBe('network');
  });
});

describe('rotation: AWSPENDING verifies during it, only the new secret after it', () => {
  const signed = (keyId: string, secret: string) =>
    createSigV4Signer({ keyId, secret, region: 'us-east-1', service: 'execute-api' }).sign({
      method: 'GET',
      path: '/items',
      query: '',
      headers: [['host', 'api.example.com']],
      body: new Uint8Array(),
    } satisfies SignedRequest);

  it('merges the pending secret after the current one, principal and permissions from AWSCURRENT', async () => {
    const k = newKey();
    const next = `sm-next-${randomBytes(12).toString('hex')}`;
    ep.put(k.name, [
      { versionId: 'v1', stages: ['AWSCURRENT'], string: k.text },
      {
        versionId: 'v2',
        stages: ['AWSPENDING'],
        string: JSON.stringify({ ...k.record, secret: next, principal: 'intruder', permissions: ['admin'] }),
      },
    ]);
    const h = open({ cache: { ttlSeconds: 60 } });
    const record = await h.store.get(k.id);
    expect(record).toMatchObject({ secrets: [k.secret, next], principal: k.record.principal, permissions: ['items:read'] });

    const config = loadConfig(
      JSON.stringify({ schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } }, routes: [{ path: '*' }] }),
    );
    const auth = createAuthenticator(config, { keys: h.store });
    for (const s of [k.secret, next])
      expect(await auth.authenticate(await signed(k.id, s))).toMatchObject({ ok: true, principal: { id: k.record.principal } });

    // finishSecret: AWSCURRENT moves to v2, v1 becomes AWSPREVIOUS, AWSPENDING is gone.
    ep.put(k.name, [
      { versionId: 'v1', stages: ['AWSPREVIOUS'], string: k.text },
      { versionId: 'v2', stages: ['AWSCURRENT'], string: JSON.stringify({ ...k.record, secret: next }) },
    ]);
    h.now.ms += 61_000;
    expect((await h.store.get(k.id))?.secrets).toEqual([next]);
    expect(await auth.authenticate(await signed(k.id, next))).toMatchObject({ ok: true });
    expect(await auth.authenticate(await signed(k.id, k.secret))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it('a fault reading AWSPENDING keeps the current version just read, for 30 s, then asks again', async () => {
    const k = newKey();
    const next = `sm-next-${randomBytes(12).toString('hex')}`;
    ep.put(k.name, [
      { versionId: 'v1', stages: ['AWSCURRENT'], string: k.text },
      { versionId: 'v2', stages: ['AWSPENDING'], string: JSON.stringify({ ...k.record, secret: next }) },
    ]);
    ep.fault = { kind: 'throttle' };
    ep.faultStage = 'AWSPENDING';
    const h = open({ cache: { ttlSeconds: 300, staleIfErrorSeconds: 900 } });
    expect((await h.store.get(k.id))?.secrets).toEqual([k.secret]);
    ep.faultStage = undefined;
    ep.fault = { kind: 'none' };
    h.now.ms += 10_000;
    expect((await h.store.get(k.id))?.secrets).toEqual([k.secret]); // kept for 30 s
    h.now.ms += 21_000;
    expect((await h.store.get(k.id))?.secrets).toEqual([k.secret, next]); // then read whole again
    expectNothingSecret(h.logs, k.secret, next, k.name, k.id);
  });

  it('a key disabled in AWSCURRENT is refused at the next refresh even while AWSPENDING cannot be read (staleness never outlives a revocation)', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const h = open({ cache: { ttlSeconds: 300, staleIfErrorSeconds: 900 } });
    const auth = createAuthenticator(
      loadConfig(JSON.stringify({ schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } }, routes: [{ path: '*' }] })),
      { keys: h.store, clock: () => h.now.ms },
    );
    const sign = () =>
      createSigV4Signer({ keyId: k.id, secret: k.secret, region: 'us-east-1', service: 'execute-api', clock: () => h.now.ms }).sign({
        method: 'GET',
        path: '/items',
        query: '',
        headers: [['host', 'api.example.com']],
        body: new Uint8Array(),
      });
    expect(await auth.authenticate(await sign())).toMatchObject({ ok: true });
    // Revoked: AWSCURRENT now says disabled, and every AWSPENDING read is throttled.
    ep.put(k.name, [{ versionId: 'v2', stages: ['AWSCURRENT'], string: JSON.stringify({ ...k.record, disabled: true }) }]);
    ep.fault = { kind: 'throttle' };
    ep.faultStage = 'AWSPENDING';
    for (const later of [301_000, 600_000, 1_190_000]) {
      h.now.ms += later;
      expect(await auth.authenticate(await sign()), `${later} ms later`).toMatchObject({ ok: false });
      h.now.ms -= later;
    }
    expect(h.logs).not.toContainEqual(expect.objectContaining({ event: 'keystore.stale' }));
    ep.faultStage = undefined;
    ep.fault = { kind: 'none' };
  });

  it.each([
    ['no pending version (the normal case)', undefined],
    ['a pending version that is not a record', '{"broken":'],
    ['a pending version for another key id', JSON.stringify({ id: 'AKIDOTHER00000000001', secret: 'other-secret-1234', principal: 'x' })],
    ['a pending version holding public keys for a secret key', 'PUBLIC'],
    ['the same version in both stages', 'SAME'],
  ])('%s: the current key alone verifies', async (_label, pendingText) => {
    const k = newKey();
    const versions: Array<{ versionId: string; stages: string[]; string: string }> = [
      { versionId: 'v1', stages: ['AWSCURRENT'], string: k.text },
    ];
    if (pendingText === 'SAME') versions[0]!.stages.push('AWSPENDING');
    else if (pendingText === 'PUBLIC')
      versions.push({
        versionId: 'v2',
        stages: ['AWSPENDING'],
        string: JSON.stringify({
          id: k.id,
          principal: 'x',
          publicKey: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
        }),
      });
    else if (pendingText !== undefined) versions.push({ versionId: 'v2', stages: ['AWSPENDING'], string: pendingText });
    ep.put(k.name, versions);
    const { store, logs } = open();
    expect((await store.get(k.id))?.secrets).toEqual([k.secret]);
    expectNothingSecret(logs, k.secret, k.name, k.id);
  });
});

describe('coalescing and floods, counted at the endpoint', () => {
  it.each([
    [true, 2, 'AWSCURRENT and then AWSPENDING'],
    [false, 1, 'AWSCURRENT only'],
  ])('100 concurrent lookups of one id with pending %s make %i GetSecretValue calls (%s)', async (pending, calls) => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    ep.fault = { kind: 'delay', ms: 50 };
    const { store } = open({ pending });
    const records = await Promise.all(Array.from({ length: 100 }, () => store.get(k.id)));
    expect(new Set(records).size).toBe(1);
    expect(records[0]?.secrets).toEqual([k.secret]);
    expect(ep.count()).toBe(calls);
    expect(store.stats.coalesced).toBe(99);
  });

  it('a flood of 1,000 random ids costs at most the miss budget (missBurst, the clock standing still): one call each, AWSPENDING not asked for unknown ids', async () => {
    const { store, logs } = open({ cache: { missBurst: 20, missesPerSecond: 10 } });
    const ids = Array.from({ length: 1_000 }, () => `AKIDFLOOD${randomBytes(6).toString('hex').toUpperCase()}`);
    const results = await Promise.allSettled(ids.map((id) => store.get(id)));
    expect(ep.count()).toBe(20);
    expect(ep.count(undefined, 'AWSPENDING')).toBe(0);
    // Every one unknown (past the budget without a call), none a store fault.
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === undefined)).toHaveLength(1_000);
    expect(store.stats.refusedBusy).toBe(980);
    expect(logs.filter((l) => (l as { event: string }).event === 'keystore.busy')).toHaveLength(980);
    expectNothingSecret(logs, ...ids.slice(0, 50));
  });
});

describe('stale-if-error', () => {
  it('serves a key past its TTL while the endpoint is down, inside the grace period, and not after it', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const { store, logs, now } = open({ cache: { ttlSeconds: 60, staleIfErrorSeconds: 120 } });
    expect((await store.get(k.id))?.secrets).toEqual([k.secret]);
    ep.fault = { kind: 'down' };
    now.ms += 61_000;
    expect((await store.get(k.id))?.secrets).toEqual([k.secret]);
    now.ms += 100_000; // 161 s: still inside 60 + 120
    expect((await store.get(k.id))?.secrets).toEqual([k.secret]);
    expect(logs).toContainEqual({ event: 'keystore.stale', fault: 'network', store: 0 });
    now.ms += 20_000; // 181 s: past it
    const e = await failure(store.get(k.id));
    expect(e.fault).toBe('network');
    expectNothingSecret([e, ...logs], k.secret, k.name, k.id);
  });
});

describe('stale-if-error end to end: a SigV4 request through the authenticator', () => {
  const config = loadConfig(
    JSON.stringify({ schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } }, routes: [{ path: '*' }] }),
  );
  const draft: SignedRequest = { method: 'GET', path: '/items', query: '', headers: [['host', 'api.example.com']], body: new Uint8Array() };

  it.each<[string, EndpointFault, string]>([
    ['closed (the connection reset)', { kind: 'down' }, 'network'],
    ['failing (HTTP 500)', { kind: 'status-500' }, 'server-error'],
  ])(
    'the endpoint %s after the TTL: accepted inside the grace period, ERR_KEYSTORE_UNAVAILABLE after it, never an accept',
    async (_label, fault, word) => {
      const k = newKey();
      ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
      const h = open({ cache: { ttlSeconds: 60, staleIfErrorSeconds: 120 } });
      // One clock for the store, the verifier and the signer: the request is always signed "now".
      const clock = () => h.now.ms;
      const auth = createAuthenticator(config, { keys: h.store, clock });
      const signer = createSigV4Signer({ keyId: k.id, secret: k.secret, region: 'us-east-1', service: 'execute-api', clock });
      const verify = async () => auth.authenticate(await signer.sign(draft));

      expect(await verify()).toMatchObject({ ok: true, principal: { id: k.record.principal } });
      const healthy = ep.count(k.name);
      ep.fault = fault;

      h.now.ms += 61_000; // past the TTL: the refresh fails, the cached record is served stale
      expect(await verify()).toMatchObject({ ok: true, principal: { id: k.record.principal } });
      h.now.ms += 118_000; // 179 s: the last second inside 60 + 120
      expect(await verify()).toMatchObject({ ok: true, principal: { id: k.record.principal } });
      // Each of those verifications asked the endpoint (and was refused): the record was served stale, not fresh.
      expect(ep.count(k.name)).toBeGreaterThanOrEqual(healthy + 2);
      expect(h.store.stats.staleServed).toBe(2);
      expect(h.logs).toContainEqual({ event: 'keystore.stale', fault: word, store: 0 });

      h.now.ms += 2_000; // 181 s: past the grace period
      for (let i = 0; i < 3; i++) {
        const refused = await verify();
        expect(refused.ok).toBe(false);
        expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
      }
      expect(h.logs).toContainEqual({ event: 'keystore.fault', fault: word, store: 0 });
      expectNothingSecret(h.logs, k.secret, k.name, k.id);

      // The endpoint back: the key verifies again.
      ep.fault = { kind: 'none' };
      expect(await verify()).toMatchObject({ ok: true });
    },
  );
});

describe('derived keys live with the cached record: counted through the real store across TTL refreshes', () => {
  /** node:crypto counting SigV4 signing-key derivations (the first step imports "AWS4" + secret, a string; later steps import bytes) and RSA public-key imports. */
  function countingCrypto() {
    const derivations: string[] = [];
    let publicKeyImports = 0;
    const base = nodeCrypto.sync!;
    const sync: SyncCryptoBackend = {
      ...base,
      importHmacKey: (secret) => {
        if (typeof secret === 'string' && secret.startsWith('AWS4')) derivations.push(secret.slice(4));
        return base.importHmacKey(secret);
      },
      rsa: {
        ...base.rsa!,
        importPublicKey: (input) => {
          publicKeyImports++;
          return base.rsa!.importPublicKey(input);
        },
      },
    };
    const crypto: CryptoBackend = {
      ...nodeCrypto,
      sync,
      importHmacKey: (secret) => Promise.resolve(sync.importHmacKey(secret)),
      rsa: {
        ...nodeCrypto.rsa!,
        importPublicKey: (input) => {
          publicKeyImports++;
          return nodeCrypto.rsa!.importPublicKey(input);
        },
      },
    };
    return { crypto, derivations, publicKeyImports: () => publicKeyImports };
  }

  it('SigV4: one derivation per date while refreshes answer the same record; a changed record derives again', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const h = open({ cache: { ttlSeconds: 60 } });
    h.now.ms = Date.UTC(2027, 0, 15, 12, 0, 0);
    const clock = () => h.now.ms;
    const counting = countingCrypto();
    const config = loadConfig(
      JSON.stringify({ schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } }, routes: [{ path: '*' }] }),
    );
    const auth = createAuthenticator(config, { keys: h.store, clock, crypto: counting.crypto });
    const signerOf = (secret: string) => createSigV4Signer({ keyId: k.id, secret, region: 'us-east-1', service: 'execute-api', clock });
    const draft: SignedRequest = {
      method: 'GET',
      path: '/items',
      query: '',
      headers: [['host', 'api.example.com']],
      body: new Uint8Array(),
    };
    const verify = async (secret = k.secret) => auth.authenticate(await signerOf(secret).sign(draft));
    const lookups = () => ep.count(k.name, 'AWSCURRENT');

    // Day one: 10 verifications over 5 TTLs, every TTL ending in a refresh that answers the same record.
    for (let i = 0; i < 10; i++) {
      expect(await verify()).toMatchObject({ ok: true });
      h.now.ms += 31_000;
    }
    expect(lookups()).toBe(5);
    expect(counting.derivations).toEqual([k.secret]);

    // The next day (the record refreshed again, unchanged): one derivation for the new date, then none.
    h.now.ms = Date.UTC(2027, 0, 16, 0, 0, 30);
    for (let i = 0; i < 6; i++) {
      expect(await verify()).toMatchObject({ ok: true });
      h.now.ms += 31_000;
    }
    expect(lookups()).toBe(8);
    expect(counting.derivations).toEqual([k.secret, k.secret]);

    // Rotation starts: AWSPENDING holds a new secret, so the record changes. Its keys are derived afresh,
    // the current secret's too (a new record object), and then kept again across refreshes.
    const next = `sm-next-${randomBytes(12).toString('hex')}`;
    ep.put(k.name, [
      { versionId: 'v1', stages: ['AWSCURRENT'], string: k.text },
      { versionId: 'v2', stages: ['AWSPENDING'], string: JSON.stringify({ ...k.record, secret: next }) },
    ]);
    h.now.ms += 61_000;
    for (let i = 0; i < 6; i++) {
      expect(await verify(k.secret)).toMatchObject({ ok: true });
      expect(await verify(next)).toMatchObject({ ok: true });
      h.now.ms += 31_000;
    }
    expect(lookups()).toBe(11);
    expect(counting.derivations).toEqual([k.secret, k.secret, k.secret, next]);
  });

  it('MAuth: the public key is imported once while refreshes answer the same record, again when it changes', async () => {
    const record = { id: APP_UUID, scheme: 'mauth', publicKey: PUBLIC_KEY, principal: 'mauth-app', permissions: [] as string[] };
    const name = PREFIX + APP_UUID;
    ep.put(name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: JSON.stringify(record) }]);
    const h = open({ schemes: ['mauth'], pending: false, cache: { ttlSeconds: 60 } });
    const clock = () => h.now.ms;
    const counting = countingCrypto();
    const auth = createAuthenticator(loadConfig(JSON.stringify({ schemes: { mauth: {} }, routes: [{ path: '*' }] })), {
      keys: h.store,
      clock,
      crypto: counting.crypto,
    });
    const signer = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v2'], clock });
    const draft: SignedRequest = {
      method: 'GET',
      path: '/items',
      query: '',
      headers: [['host', 'api.example.com']],
      body: new Uint8Array(),
    };
    const verify = async () => auth.authenticate(await signer.sign(draft));

    for (let i = 0; i < 10; i++) {
      expect(await verify()).toMatchObject({ ok: true, principal: { id: 'mauth-app' } });
      h.now.ms += 31_000;
    }
    expect(ep.count(name)).toBe(5);
    expect(counting.publicKeyImports()).toBe(1);

    // A changed record (new permissions, same key): a new record object, whose key is imported again, once.
    ep.put(name, [{ versionId: 'v2', stages: ['AWSCURRENT'], string: JSON.stringify({ ...record, permissions: ['items:read'] }) }]);
    h.now.ms += 61_000;
    for (let i = 0; i < 6; i++) {
      expect(await verify()).toMatchObject({ ok: true });
      h.now.ms += 31_000;
    }
    expect(ep.count(name)).toBe(8);
    expect(counting.publicKeyImports()).toBe(2);
  });
});

describe('bundle mode: one secret with every record', () => {
  const BUNDLE = 'edge-authorizer/bundle';

  it('serves every good record from one call; a bad record is reported, left out, and its id is a store fault', async () => {
    const [a, bad, c] = [newKey(), newKey(), newKey()];
    ep.put(BUNDLE, [
      {
        versionId: 'b1',
        stages: ['AWSCURRENT'],
        binary: new TextEncoder().encode(JSON.stringify({ keys: [a.record, { ...bad.record, secret: 'short' }, c.record] })),
      },
    ]);
    const { store, logs } = open({ prefix: undefined, bundle: BUNDLE });
    expect((await store.get(a.id))?.principal).toBe(a.record.principal);
    expect((await store.get(c.id))?.principal).toBe(c.record.principal);
    expect(await store.get('AKIDNOTINBUNDLE00001')).toBeUndefined();
    const e = await failure(store.get(bad.id));
    expect(e.fault).toBe('invalid-record');
    expect(ep.count(BUNDLE, 'AWSCURRENT')).toBe(1);
    expect(logs).toContainEqual({
      event: 'keystore.invalid-record',
      store: 0,
      stage: 'current',
      issues: ['keys[1].secret: must be at least 8 characters'],
    });
    expectNothingSecret([e, ...logs], bad.id, bad.secret, a.secret);
  });

  it('merges a pending bundle into the current records by id', async () => {
    const a = newKey();
    const next = `sm-next-${randomBytes(12).toString('hex')}`;
    ep.put(BUNDLE, [
      { versionId: 'b1', stages: ['AWSCURRENT'], string: JSON.stringify({ keys: [a.record] }) },
      {
        versionId: 'b2',
        stages: ['AWSPENDING'],
        string: JSON.stringify({ keys: [{ ...a.record, secret: next, principal: 'other' }, newKey().record] }),
      },
    ]);
    const { store } = open({ prefix: undefined, bundle: BUNDLE });
    expect(await store.get(a.id)).toMatchObject({ secrets: [a.secret, next], principal: a.record.principal });
  });

  it('a key disabled in the current bundle is refused at the next refresh even while AWSPENDING cannot be read', async () => {
    const [a, b] = [newKey(), newKey()];
    ep.put(BUNDLE, [{ versionId: 'b1', stages: ['AWSCURRENT'], string: JSON.stringify({ keys: [a.record, b.record] }) }]);
    const h = open({ prefix: undefined, bundle: BUNDLE, cache: { ttlSeconds: 300, staleIfErrorSeconds: 900 } });
    expect((await h.store.get(a.id))?.disabled).toBeFalsy();
    ep.put(BUNDLE, [
      { versionId: 'b2', stages: ['AWSCURRENT'], string: JSON.stringify({ keys: [{ ...a.record, disabled: true }, b.record] }) },
    ]);
    ep.fault = { kind: 'throttle' };
    ep.faultStage = 'AWSPENDING';
    h.now.ms += 301_000;
    expect((await h.store.get(a.id))?.disabled).toBe(true);
    expect(h.logs).not.toContainEqual(expect.objectContaining({ event: 'keystore.stale' }));
    // The snapshot read without its pending version is kept 30 s, then read whole again.
    ep.faultStage = undefined;
    ep.fault = { kind: 'none' };
    const calls = ep.count(BUNDLE, 'AWSCURRENT');
    h.now.ms += 10_000;
    await h.store.get(b.id);
    expect(ep.count(BUNDLE, 'AWSCURRENT')).toBe(calls);
    h.now.ms += 21_000;
    await h.store.get(b.id);
    expect(ep.count(BUNDLE, 'AWSCURRENT')).toBe(calls + 1);
    expectNothingSecret(h.logs, a.secret, b.secret, a.id, b.id);
  });

  it.each<[string, () => void, string]>([
    ['the bundle secret does not exist', () => ep.remove(BUNDLE), 'misconfigured'],
    [
      'the bundle is not a bundle',
      () => ep.put(BUNDLE, [{ versionId: 'b1', stages: ['AWSCURRENT'], string: '{"records":[]}' }]),
      'invalid-record',
    ],
    ['the bundle is not JSON', () => ep.put(BUNDLE, [{ versionId: 'b1', stages: ['AWSCURRENT'], string: '{"keys":[' }]), 'invalid-record'],
  ])('%s: a store fault (%s) for every id', async (_label, arrange, fault) => {
    arrange();
    const { store } = open({ prefix: undefined, bundle: BUNDLE });
    expect((await failure(store.get('AKIDANY0000000000001'))).fault).toBe(fault);
  });
});

describe('opening stores in Lambda', () => {
  it('checks the specification when the authenticator is built and loads the store on the first lookup', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const store = lambdaKeyStoreOpener({ credentials: TEST_CREDENTIALS, log: () => undefined })(spec(), 0);
    expect(ep.count()).toBe(0);
    expect((await store.get(k.id))?.principal).toBe(k.record.principal);
    expect(await store.get(k.id)).toBe(await store.get(k.id));
    expect(await store.hydrate([k.id, 'AKIDNOSUCHKEY0000002'])).toEqual({ loaded: 1, unknown: 1, failed: 0 });
  });

  it('refuses a store type Lambda cannot open, and a store with no region, as configuration errors', () => {
    const opener = lambdaKeyStoreOpener({ log: () => undefined });
    expect(() =>
      opener({ type: 'workers-kv', schemes: ['sigv4'], binding: 'KEYS', prefix: '', cacheTtlSeconds: 60, cache: {} } as KeyStoreSpec, 2),
    ).toThrow(ConfigError);
    try {
      opener({ type: 'secret-binding', schemes: ['sigv4'], binding: 'KEYS', cache: {} } as KeyStoreSpec, 1);
    } catch (e) {
      expect((e as ConfigError).issues).toEqual([
        'keyStores[1].type: a "secret-binding" store cannot be opened in AWS Lambda (use "secrets-manager" or "mauth-key-service")',
      ]);
    }
    const { AWS_REGION, AWS_DEFAULT_REGION } = process.env;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => opener(spec({ region: undefined }), 0)).toThrow(/keyStores\[0\]\.region: required/);
    } finally {
      if (AWS_REGION !== undefined) process.env.AWS_REGION = AWS_REGION;
      if (AWS_DEFAULT_REGION !== undefined) process.env.AWS_DEFAULT_REGION = AWS_DEFAULT_REGION;
    }
  });

  it('openLambdaKeyStore (edge-authorizer/aws-lambda): an authenticator of your own verifies with a key in Secrets Manager through the SDK', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    const config = loadConfig({
      schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
      keyStores: [{ type: 'secrets-manager', schemes: ['sigv4'], prefix: PREFIX, endpoint: ep.url, region: 'us-east-1', maxAttempts: 1 }],
    });
    const auth = createAuthenticator(config, { openKeyStore: (s, i) => openLambdaKeyStore(s, i, { credentials: TEST_CREDENTIALS }) });
    expect(ep.count()).toBe(0);
    const request = async (keyId: string, secret: string): Promise<SignedRequest> => {
      const signer = createSigV4Signer({ keyId, secret, region: 'us-east-1', service: 'execute-api' });
      const r = {
        method: 'GET',
        path: '/items',
        query: '',
        headers: [['host', 'api.example.com']] as [string, string][],
        body: new Uint8Array(),
      };
      return { ...r, headers: (await signer.sign(r)).headers };
    };
    expect(await auth.authenticate(await request(k.id, k.secret))).toMatchObject({ ok: true, principal: { id: k.record.principal } });
    expect(await auth.authenticate(await request(k.id, 'sm-secret-not-the-one-in-the-store'))).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    });
    expect(await auth.authenticate(await request('AKIDSMNOSUCHKEY00001', k.secret))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEY_NOT_FOUND' },
    });
    expect(ep.count(k.name)).toBeGreaterThan(0);
  });

  it('openLambdaKeyStore logs store faults as JSON lines of codes on console.error by default, never the key id or secret name', async () => {
    const k = newKey();
    ep.put(k.name, [{ versionId: 'v1', stages: ['AWSCURRENT'], string: k.text }]);
    ep.fault = { kind: 'access-denied' };
    refusalsExpected = true;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const store = openLambdaKeyStore(spec({ cache: { missesPerSecond: 10 } } as Partial<KeyStoreSpec>), 3, {
        credentials: TEST_CREDENTIALS,
      });
      const e = await failure(store.get(k.id));
      expect(e.fault).toBe('access-denied');
      const lines = errors.mock.calls.map((c) => String(c[0]));
      expect(lines.map((l) => JSON.parse(l) as object)).toContainEqual({ event: 'keystore.fault', fault: 'access-denied', store: 3 });
      expect(logs).not.toHaveBeenCalled();
      expectNothingSecret([e, ...lines, ...warnings.mock.calls.map((c) => String(c[0]))], k.id, k.name, k.secret);
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
      logs.mockRestore();
    }
  });

  it('refuses a source with both or neither of prefix and bundle', () => {
    const read = sdkSecretReader({ region: 'us-east-1' });
    expect(() => createSecretsManagerSource({ read })).toThrow(TypeError);
    expect(() => createSecretsManagerSource({ read, prefix: 'a/', bundle: 'b' })).toThrow(TypeError);
  });
});
