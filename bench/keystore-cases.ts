/**
 * The key-store cases of `npm run bench`: our SigV4 verify with its key in AWS Secrets Manager behind
 * the cache (warm: no store I/O on the hot path, to be compared with the inline-key verify), and what
 * a cache miss costs against a local Secrets Manager endpoint (test/helpers/secrets-manager-endpoint.ts,
 * on 127.0.0.1 in the same process, checking each call's signature) beside one bare SDK
 * GetSecretValue call to the same endpoint. The endpoint starts on a case's first call, never when
 * the orchestrator lists the cases.
 */
import { createCachedKeyStore, type CachedKeyStore } from '../lib/keys/cache.ts';
import { createSecretsManagerSource, sdkSecretReader } from '../lib/keys/secrets-manager.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import { createSigV4Verifier } from '../lib/schemes/sigv4/index.ts';
import { startSecretsManagerEndpoint, TEST_CREDENTIALS, TEST_REGION } from '../test/helpers/secrets-manager-endpoint.ts';

/** What a key-store case needs from the SigV4 cases: the request, the key and a clock. */
export interface KeystoreCaseInputs {
  readonly fresh: () => SignedRequest;
  readonly keyId: string;
  readonly secret: string;
  readonly region: string;
  readonly service: string;
  readonly clock: () => number;
  readonly isOk: (out: unknown) => boolean;
  /** Set in the warm case's process: the endpoint is closed once the key is cached. */
  readonly warmOnly?: boolean;
}

export const KEYSTORE_PREFIX = 'edge-authorizer/bench/';

interface Context {
  readonly warm: ReturnType<typeof createSigV4Verifier>;
  readonly missStore: CachedKeyStore;
  readonly missStoreNoPending: CachedKeyStore;
  readonly sdkGet: () => Promise<unknown>;
}

const contexts = new Map<boolean, Promise<Context>>();

function context(k: KeystoreCaseInputs): Promise<Context> {
  const known = contexts.get(k.warmOnly === true);
  if (known) return known;
  const ready = (async () => {
    const ep = await startSecretsManagerEndpoint();
    ep.put(KEYSTORE_PREFIX + k.keyId, [
      {
        versionId: 'v1',
        stages: ['AWSCURRENT'],
        string: JSON.stringify({ id: k.keyId, scheme: 'sigv4', secret: k.secret, principal: 'bench', permissions: ['items:read'] }),
      },
    ]);
    const settings = { region: TEST_REGION, endpoint: ep.url, maxAttempts: 1, timeoutMs: 5000, credentials: TEST_CREDENTIALS };
    const read = sdkSecretReader(settings);
    const store = (pending: boolean) =>
      // A miss budget no benchmark loop can spend: every lookup of the miss cases reaches the endpoint.
      createCachedKeyStore(createSecretsManagerSource({ read, prefix: KEYSTORE_PREFIX, pending, timeoutMs: 5000 }), {
        missesPerSecond: 10_000,
        missBurst: 100_000,
      });
    const warmStore = store(true);
    const hydrated = await warmStore.hydrate([k.keyId]);
    if (hydrated.loaded !== 1) throw new Error('the bench key could not be loaded from the local Secrets Manager endpoint');
    // The warm case must not share its process with a server: once its key is cached (for the
    // default 300 s TTL, far longer than a run), the endpoint goes. The miss cases keep it.
    if (k.warmOnly) await ep.close();
    const sdk = await import('@aws-sdk/client-secrets-manager');
    const client = new sdk.SecretsManagerClient({ region: TEST_REGION, endpoint: ep.url, maxAttempts: 1, credentials: TEST_CREDENTIALS });
    const command = () => new sdk.GetSecretValueCommand({ SecretId: KEYSTORE_PREFIX + k.keyId });
    return {
      warm: createSigV4Verifier({ keys: warmStore, region: k.region, service: k.service, clock: k.clock }),
      missStore: store(true),
      missStoreNoPending: store(false),
      sdkGet: () => client.send(command()),
    };
  })();
  contexts.set(k.warmOnly === true, ready);
  return ready;
}

/** A lookup that misses the cache every time: the id is forgotten, then looked up again. */
async function miss(store: CachedKeyStore, id: string): Promise<unknown> {
  store.invalidate(id);
  return store.get(id);
}

/** The key-store cases; names are what BENCHMARKS.md shows. */
export function keystoreCases(k: KeystoreCaseInputs) {
  let ctx: Context | undefined;
  const withContext = <T>(f: (c: Context) => T | Promise<T>) =>
    ctx
      ? f(ctx)
      : context(k).then((c) => {
          ctx = c;
          return f(c);
        });
  // The warm case builds its own context, whose endpoint closes after hydrate().
  let warm: Context['warm'] | undefined;
  let warmReady: Promise<Context> | undefined;
  const warmContext = () => (warmReady ??= context({ ...k, warmOnly: true }));
  const found = (out: unknown) => (out as { id?: unknown } | undefined)?.id === k.keyId;
  return [
    {
      name: 'edge-authorizer verify, key in Secrets Manager behind the cache (warm)',
      group: 'keystore' as const,
      make: k.fresh,
      run: (r: unknown) => (warm ? warm.verify(r as SignedRequest) : warmContext().then((c) => (warm = c.warm).verify(r as SignedRequest))),
      expect: k.isOk,
    },
    {
      name: 'key-store cache miss: GetSecretValue of AWSCURRENT and AWSPENDING through the cache',
      group: 'keystore' as const,
      make: () => undefined,
      run: () => withContext((c) => miss(c.missStore, k.keyId)),
      expect: found,
    },
    {
      name: 'key-store cache miss, pending off: GetSecretValue of AWSCURRENT through the cache',
      group: 'keystore' as const,
      make: () => undefined,
      run: () => withContext((c) => miss(c.missStoreNoPending, k.keyId)),
      expect: found,
    },
    {
      name: 'one bare SDK GetSecretValue call to the same endpoint',
      group: 'keystore' as const,
      make: () => undefined,
      run: () => withContext((c) => c.sdkGet()),
      expect: (out: unknown) => typeof (out as { SecretString?: unknown }).SecretString === 'string',
    },
  ];
}
