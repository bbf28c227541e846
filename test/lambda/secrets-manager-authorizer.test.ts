// The Lambda authorizer end to end with its keys in Secrets Manager: the local endpoint
// (test/helpers/secrets-manager-endpoint.ts) holds them and checks every SDK request's signature.
// authorizer-runtime runs in this process (AUTH_CONFIG); the deployed authorizer's bundle, with the
// configuration the build validated, runs in fresh node processes as in a Lambda container, the SDK
// left external and found in node_modules as the Lambda runtime provides it.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import type { AuthorizerEvent } from '../../lib/adapters/aws-lambda/events.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { ROOT } from '../deploy/artifacts.ts';
import { restAuthorizerEvent } from '../fixtures/apigw.ts';
import { startSecretsManagerEndpoint, TEST_CREDENTIALS, type SecretsManagerEndpoint } from '../helpers/secrets-manager-endpoint.ts';

const run = promisify(execFile);
const PREFIX = 'edge-authorizer/keys/';
const KEY = { id: 'AKIDSMLAMBDA00000001', secret: 'sm-lambda-secret-0123456789abcdef', principal: 'sm-user' };
const BROKEN = { id: 'AKIDSMLAMBDABROKEN01', secret: 'sm-lambda-secret-broken-0123456789' };

let ep: SecretsManagerEndpoint;

const draft = (path: string): SignedRequest => ({
  method: 'GET',
  path,
  query: 'limit=10',
  headers: [['Host', 'abc123.execute-api.us-east-1.amazonaws.com']],
  body: new Uint8Array(),
});
const eventFor = async (keyId: string, secret: string) =>
  restAuthorizerEvent(await createSigV4Signer({ keyId, secret, region: 'us-east-1', service: 'execute-api' }).sign(draft('/prod/items')));

function configText(): string {
  return JSON.stringify({
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
    routes: [{ path: '*' }],
    keyStores: [{ type: 'secrets-manager', schemes: ['sigv4'], prefix: PREFIX, endpoint: ep.url, timeoutMs: 500, maxAttempts: 1 }],
  });
}

beforeAll(async () => {
  ep = await startSecretsManagerEndpoint();
  ep.put(PREFIX + KEY.id, [
    {
      versionId: 'v1',
      stages: ['AWSCURRENT'],
      string: JSON.stringify({ id: KEY.id, secret: KEY.secret, principal: KEY.principal, permissions: ['items:read'] }),
    },
  ]);
  ep.put(PREFIX + BROKEN.id, [
    { versionId: 'v1', stages: ['AWSCURRENT'], string: JSON.stringify({ id: BROKEN.id, secret: BROKEN.secret }) },
  ]);
});
afterAll(() => ep.close());

/** Nothing in the output names a key id, secret name or secret. */
function expectNothingSecret(text: string, ...more: string[]) {
  for (const v of [KEY.id, KEY.secret, BROKEN.id, BROKEN.secret, PREFIX, ...more]) expect(text).not.toContain(v);
}

describe('authorizer-runtime (AUTH_CONFIG) with a secrets-manager store', () => {
  let handler: (event: AuthorizerEvent) => Promise<unknown>;
  const logged: string[] = [];

  beforeAll(async () => {
    Object.assign(process.env, {
      AUTH_CONFIG: configText(),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AUTH_CONFIG_FILE;
    vi.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(String(line)));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void logged.push(String(line)));
    ({ handler } = (await import('../../functions/authorizer-runtime.ts')) as { handler: typeof handler });
  });
  afterAll(() => vi.restoreAllMocks());

  it('allows a request signed with a key held in Secrets Manager', async () => {
    const event = await eventFor(KEY.id, KEY.secret);
    const result = (await handler(event)) as RestAuthorizerResult;
    expect(result.principalId).toBe(KEY.principal);
    expect(result.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Allow' })]);
    expect(ep.calls.every((c) => c.signatureOk)).toBe(true);
  });

  it('answers an unknown key, and a wrong secret, with Unauthorized (401)', async () => {
    await expect(handler(await eventFor('AKIDSMLAMBDAUNKNOWN1', KEY.secret))).rejects.toThrow(/^Unauthorized$/);
    await expect(handler(await eventFor(KEY.id, 'not-the-secret-of-this-key'))).rejects.toThrow(/^Unauthorized$/);
  });

  it.each([
    ['the endpoint failing (HTTP 500)', 'status-500', 'server-error', 'AKIDSMLAMBDAFAILS001'],
    ['the endpoint too slow', 'delay', 'timeout', 'AKIDSMLAMBDASLOW0001'],
    ['ThrottlingException', 'throttle', 'throttled', 'AKIDSMLAMBDATHROTTL1'],
    ['AccessDeniedException (its message names the secret)', 'access-denied', 'access-denied', 'AKIDSMLAMBDADENIED01'],
    ['a secret that is not a key record', 'none', 'invalid-record', BROKEN.id],
  ] as const)('throws a non-Unauthorized error (500) for %s, logging codes only', async (_label, fault, word, keyId) => {
    logged.length = 0;
    ep.fault = fault === 'delay' ? { kind: 'delay', ms: 800 } : { kind: fault };
    try {
      const failure = handler(await eventFor(keyId, KEY.secret)).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      const e = await failure;
      // Rejected, never resolved with a policy (an Allow), and not with 'Unauthorized' (a 401 API Gateway may cache).
      expect(e).toBeInstanceOf(Error);
      expect(e!.message).not.toBe('Unauthorized');
      expect(e!.message).toBe('key store unavailable');
      const lines = logged.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual({ event: 'keystore.fault', fault: word, store: 0 });
      expect(lines).toContainEqual(expect.objectContaining({ event: 'authorizer.error', code: 'ERR_KEYSTORE_UNAVAILABLE' }));
      expect(lines.filter((l) => l.event === 'keystore.fault')).toEqual([{ event: 'keystore.fault', fault: word, store: 0 }]);
      expectNothingSecret(`${e!.message}\n${e!.stack ?? ''}\n${logged.join('\n')}`, keyId);
    } finally {
      ep.fault = { kind: 'none' };
    }
  });
});

describe('the deployed authorizer bundle with a secrets-manager store in its built-in configuration', () => {
  // Inside the project, so that the bundle's import of the SDK resolves from node_modules as in Lambda.
  const dir = join(ROOT, 'build', `test-secrets-manager-${process.pid}`);
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'config.json');
    writeFileSync(file, configText());
    const { build } = await import('../../infra/build.mjs');
    const metafiles = (await build(['authorizer'], { outDir: dir, authConfigFile: file })) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    inputs = Object.keys(metafiles.authorizer!.inputs);
    bundle = join(dir, 'lambda', 'authorizer', 'index.mjs');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const INVOKE = `
    const [file, event] = process.argv.slice(1);
    const m = await import(file);
    let out;
    try { out = { result: await m.handler(JSON.parse(event)) }; } catch (e) { out = { error: e.message }; }
    process.stdout.write('\\n' + JSON.stringify(out) + '\\n');`;

  async function invoke(event: unknown, env: Record<string, string> = {}) {
    const { AUTH_CONFIG: _a, AUTH_CONFIG_FILE: _b, ...inherited } = process.env;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', INVOKE, 'file://' + bundle, JSON.stringify(event)],
      {
        env: {
          ...inherited,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
          ...env,
        },
        timeout: 20_000,
      },
    );
    const lines = stdout.trimEnd().split('\n');
    return { ...(JSON.parse(lines.pop()!) as { result?: RestAuthorizerResult; error?: string }), stdout: lines.join('\n'), stderr };
  }

  it('keeps the store and the SDK out of the bundle: the store file beside it is imported on the first lookup, and it imports the SDK', () => {
    const text = readFileSync(bundle, 'utf8');
    const store = readFileSync(join(dir, 'lambda', 'authorizer', 'secrets-manager.mjs'), 'utf8');
    expect(/import\("\.\/secrets-manager\.mjs"\)/.test(text)).toBe(true);
    expect(/import\("@aws-sdk\/client-secrets-manager"\)/.test(store)).toBe(true);
    for (const t of [text, store]) expect(/from\s*"@aws-sdk\//.test(t)).toBe(false);
    expect(
      inputs.filter((p) =>
        /@aws-sdk|@smithy|lib\/keys\/(secrets-manager|cache|record|mauth-key-service)\.ts|(secrets-manager|mauth-key-service)-store\.ts/.test(
          p,
        ),
      ),
    ).toEqual([]);
  });

  it('allows a request signed with a key in Secrets Manager, and answers an unknown key with Unauthorized', async () => {
    const ok = await invoke(await eventFor(KEY.id, KEY.secret));
    expect(ok.error).toBeUndefined();
    expect(ok.result!.principalId).toBe(KEY.principal);
    const unknown = await invoke(await eventFor('AKIDSMLAMBDAUNKNOWN2', KEY.secret));
    expect(unknown.error).toBe('Unauthorized');
    expectNothingSecret(unknown.stdout + unknown.stderr);
  });

  it('throws a non-Unauthorized error (500) when Secrets Manager refuses its credentials, logging codes only', async () => {
    const denied = await invoke(await eventFor(KEY.id, KEY.secret), { AWS_SECRET_ACCESS_KEY: 'a-wrong-secret-access-key-for-the-test' });
    expect(denied.error).toBe('key store unavailable');
    expect(denied.stdout).toContain('{"event":"keystore.fault","fault":"access-denied","store":0}');
    expectNothingSecret(denied.stdout + denied.stderr);
  });

  it('throws a non-Unauthorized error (500) when its key store file is not beside it, logging misconfigured', async () => {
    rmSync(join(dir, 'lambda', 'authorizer', 'secrets-manager.mjs'));
    const missing = await invoke(await eventFor(KEY.id, KEY.secret));
    expect(missing.error).toBe('key store unavailable');
    expect(missing.stdout).toContain('{"event":"keystore.fault","fault":"misconfigured","store":0}');
    expectNothingSecret(missing.stdout + missing.stderr);
  });
});

describe('hydrate: the deployed authorizer loads configured keys in its init phase', () => {
  const dir = join(ROOT, 'build', `test-secrets-manager-hydrate-${process.pid}`);
  let bundle: string;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'config.json');
    const config = JSON.parse(configText()) as { keyStores: Array<Record<string, unknown>> };
    config.keyStores[0]!.hydrate = [KEY.id];
    writeFileSync(file, JSON.stringify(config));
    const { build } = await import('../../infra/build.mjs');
    await build(['authorizer'], { outDir: dir, authConfigFile: file });
    bundle = join(dir, 'lambda', 'authorizer', 'index.mjs');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the listed key while the module loads (before any call), and the first call needs no lookup', async () => {
    const before = ep.count();
    const event = await eventFor(KEY.id, KEY.secret);
    // Import only, then report the calls the endpoint saw; then one call, and the calls after it.
    const script = `
      const [file, event, url] = process.argv.slice(1);
      const m = await import(file);
      const seen = async () => (await (await fetch(url + '/__calls')).json()).count;
      const afterImport = await seen();
      const result = await m.handler(JSON.parse(event));
      process.stdout.write('\\n' + JSON.stringify({ afterImport, afterCall: await seen(), principal: result.principalId }) + '\\n');`;
    const { AUTH_CONFIG: _a, AUTH_CONFIG_FILE: _b, ...inherited } = process.env;
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, 'file://' + bundle, JSON.stringify(event), ep.url],
      {
        env: {
          ...inherited,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        },
        timeout: 20_000,
      },
    );
    const out = JSON.parse(stdout.trimEnd().split('\n').pop()!) as { afterImport: number; afterCall: number; principal: string };
    expect(out.principal).toBe(KEY.principal);
    // AWSCURRENT and AWSPENDING of the one listed key.
    expect(out.afterImport - before).toBe(2);
    expect(out.afterCall).toBe(out.afterImport);
  });
});
