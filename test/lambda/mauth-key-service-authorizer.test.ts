// The deployed Lambda authorizer's bundle with a mauth-key-service store in the configuration the build
// validated: the store is a file of its own beside the bundle (mauth-key-service.mjs), loaded on the
// first lookup; the bundle runs in fresh node processes as in a Lambda container, its private key in
// the environment, against the stand-in key service (test/helpers/mauth-service.ts), which checks the
// signature of every request the bundle sends.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createMAuthSigner } from '../../lib/schemes/mauth/signer.ts';
import { ROOT } from '../deploy/artifacts.ts';
import { restAuthorizerEvent } from '../fixtures/apigw.ts';
import { startMAuthService, type MAuthService } from '../helpers/mauth-service.ts';

const run = promisify(execFile);
const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
const OUR_UUID = 'e1e2e3e4-f5f6-4a7b-8c9d-0e1f2a3b4c5d';
const A_UUID = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const UNKNOWN_UUID = '99999999-8888-4777-8666-555555555555';
const ours = keyPair();
const appA = keyPair();
const stranger = keyPair();

let svc: MAuthService;
beforeAll(async () => {
  svc = await startMAuthService({ appUuid: OUR_UUID, publicKeyPem: ours.publicKey });
  svc.addApp(A_UUID, appA.publicKey);
});
afterAll(() => svc.close());
afterEach(() => {
  expect(svc.calls.filter((c) => !c.signatureOk)).toEqual([]);
  svc.calls.length = 0;
  svc.fault = { kind: 'none' };
});

const draft: SignedRequest = {
  method: 'GET',
  path: '/prod/items',
  query: 'limit=10',
  headers: [['Host', 'abc123.execute-api.us-east-1.amazonaws.com']],
  body: new Uint8Array(),
};
const eventFor = async (uuid: string, privateKey: string) =>
  restAuthorizerEvent(await createMAuthSigner({ appUuid: uuid, privateKey }).sign(draft));

function expectNothingSecret(text: string) {
  for (const v of [OUR_UUID, A_UUID, UNKNOWN_UUID, ours.privateKey.split('\n')[5]!, appA.publicKey.split('\n')[5]!])
    expect(text).not.toContain(v);
}

const INVOKE = `
  const [file, event] = process.argv.slice(1);
  const m = await import(file);
  let out;
  try { out = { result: await m.handler(JSON.parse(event)) }; } catch (e) { out = { error: e.message }; }
  process.stdout.write('\\n' + JSON.stringify(out) + '\\n');`;

describe.each([['local'], ['remote']] as const)('the deployed authorizer with a %s-mode mauth-key-service store', (mode) => {
  const dir = join(ROOT, 'build', `test-mauth-key-service-${mode}-${process.pid}`);
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        schemes: { mauth: {} },
        routes: [{ path: '*' }],
        keyStores: [
          {
            type: 'mauth-key-service',
            schemes: ['mauth'],
            url: svc.url,
            mode,
            appUuid: OUR_UUID,
            privateKey: { env: 'MAUTH_PRIVATE_KEY' },
            maxAttempts: 2,
          },
        ],
      }),
    );
    const { build } = await import('../../infra/build.mjs');
    const metafiles = (await build(['authorizer'], { outDir: dir, authConfigFile: file })) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    inputs = Object.keys(metafiles.authorizer!.inputs);
    bundle = join(dir, 'lambda', 'authorizer', 'index.mjs');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function invoke(event: unknown, env: Record<string, string | undefined> = {}) {
    const { AUTH_CONFIG: _a, AUTH_CONFIG_FILE: _b, ...inherited } = process.env;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', INVOKE, 'file://' + bundle, JSON.stringify(event)],
      { env: { ...inherited, MAUTH_PRIVATE_KEY: ours.privateKey, ...env }, timeout: 20_000 },
    );
    const lines = stdout.trimEnd().split('\n');
    return { ...(JSON.parse(lines.pop()!) as { result?: RestAuthorizerResult; error?: string }), stdout: lines.join('\n'), stderr };
  }

  it('keeps the store out of the bundle: mauth-key-service.mjs beside it, and no Secrets Manager file', () => {
    expect(existsSync(join(dir, 'lambda', 'authorizer', 'mauth-key-service.mjs'))).toBe(true);
    expect(existsSync(join(dir, 'lambda', 'authorizer', 'secrets-manager.mjs'))).toBe(false);
    expect(inputs.filter((p) => /lib\/keys\/(cache|record|mauth-key-service)\.ts|mauth-key-service-store\.ts/.test(p))).toEqual([]);
  });

  it('allows a request signed by app A, its principal the app uuid; an unknown app is Unauthorized', async () => {
    const ok = await invoke(await eventFor(A_UUID, appA.privateKey));
    expect(ok.error).toBeUndefined();
    expect(ok.result!.principalId).toBe(A_UUID);
    expect(ok.result!.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Allow' })]);
    const unknown = await invoke(await eventFor(UNKNOWN_UUID, stranger.privateKey));
    expect(unknown.error).toBe('Unauthorized');
    // Local: one key lookup per app. Remote: one ticket per reading of the path the authorizer tries
    // (with and without the stage, /prod/items and /items): the first verifies A's; the unknown app fails both.
    if (mode === 'local') expect(svc.tokenCalls()).toBe(2);
    else expect(svc.ticketCalls()).toBe(3);
  });

  it('a failing service is a 500 (not Unauthorized) after the retries, logging codes only', async () => {
    svc.fault = { kind: 'status', status: 503 };
    const res = await invoke(await eventFor(A_UUID, appA.privateKey));
    expect(res.error).toBe('key store unavailable');
    expect(res.stdout).toContain('{"event":"keystore.retry","fault":"server-error","attempt":1,"store":0}');
    expect(res.stdout).toContain('{"event":"keystore.fault","fault":"server-error","store":0}');
    expectNothingSecret(res.stdout + res.stderr);
  });

  it('no private key in the environment: 500, fault misconfigured, the service never called', async () => {
    const res = await invoke(await eventFor(A_UUID, appA.privateKey), { MAUTH_PRIVATE_KEY: '' });
    expect(res.error).toBe('key store unavailable');
    expect(res.stdout).toContain('{"event":"keystore.fault","fault":"misconfigured","store":0}');
    expect(svc.calls).toHaveLength(0);
  });
});
