// The deployed authorizer bundle with an API-key configuration validated at build time: the build
// refuses a record that holds a key in clear (naming the field, never the key), bundles the api-key
// scheme alone and no schema library, and the bundle, run as Lambda runs it, allows a good key with a
// policy over the permitted routes and the key as usageIdentifierKey (REST), never on HTTP APIs, and
// logs no key (LOG_ACCEPTED on).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { ALL_KEYS, API_KEY, apiKeyConfig, hashOf, PRINCIPAL, UNKNOWN_KEY } from '../fixtures/api-key-app.ts';

const run = promisify(execFile);
const INVOKE = `
  const [file, event] = process.argv.slice(1);
  const m = await import(file);
  let out;
  try { out = { result: await m.handler(JSON.parse(event)) }; } catch (e) { out = { error: e.message }; }
  process.stdout.write('\\n' + JSON.stringify(out) + '\\n');`;

async function invoke(bundle: string, event: unknown): Promise<{ result?: Record<string, unknown>; error?: string; logs: string }> {
  const { AUTH_CONFIG: _text, AUTH_CONFIG_FILE: _file, ...inherited } = process.env;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', INVOKE, 'file://' + bundle, JSON.stringify(event)], {
    env: { ...inherited, LOG_ACCEPTED: 'true' },
    timeout: 20_000,
  });
  const lines = stdout.trimEnd().split('\n');
  return { ...(JSON.parse(lines.pop()!) as { result?: Record<string, unknown>; error?: string }), logs: lines.join('\n') + stderr };
}

const draft = (path: string, key?: string): SignedRequest => ({
  method: 'GET',
  path,
  query: '',
  headers: [['Host', 'abc123.execute-api.us-east-1.amazonaws.com'], ...(key ? ([['X-Api-Key', key]] as Array<[string, string]>) : [])],
  body: new Uint8Array(),
});

describe('the deployed authorizer with API keys', () => {
  let dir: string;
  let bundle: string;
  let inputs: Record<string, unknown>;
  let build: typeof import('../../infra/build.mjs').build;

  beforeAll(async () => {
    ({ build } = await import('../../infra/build.mjs'));
    dir = mkdtempSync(join(tmpdir(), 'edge-auth-api-key-bundle-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify(apiKeyConfig()));
    const metafiles = (await build(['authorizer'], { outDir: join(dir, 'out'), authConfigFile: config })) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    inputs = metafiles.authorizer!.inputs;
    bundle = join(dir, 'out', 'lambda', 'authorizer', 'index.mjs');
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the build refuses a record holding a key in clear, naming the field and never the key', async () => {
    const bad = join(dir, 'bad.json');
    const doc = apiKeyConfig();
    (doc.keys as Array<Record<string, unknown>>)[1] = { id: 'readonly01', scheme: 'api-key', secret: API_KEY, principal: 'p' };
    writeFileSync(bad, JSON.stringify(doc));
    const failure = build(['authorizer'], { outDir: join(dir, 'bad'), authConfigFile: bad });
    await expect(failure).rejects.toThrow(/keys\[1\]\.secret: must be "sha256:"/);
    await expect(failure).rejects.not.toThrow(API_KEY);
  }, 60_000);

  it('bundles the api-key scheme alone, and no valibot', () => {
    const dirs = [...new Set(Object.keys(inputs).flatMap((p) => /lib\/schemes\/([a-z0-9-]+)\//.exec(p)?.[1] ?? []))];
    expect(dirs).toEqual(['api-key']);
    expect(Object.keys(inputs).filter((p) => p.includes('node_modules/valibot') || p.endsWith('api-key/options.ts'))).toEqual([]);
  });

  it('REST: allows a good key with a policy of its call (some route refuses it) and usageIdentifierKey; HTTP API: no usageIdentifierKey; no key logged', async () => {
    const rest = await invoke(bundle, restAuthorizerEvent(draft('/prod/items/1', API_KEY)));
    expect(rest.error).toBeUndefined();
    expect(rest.result).toMatchObject({ principalId: PRINCIPAL, usageIdentifierKey: API_KEY, context: { scheme: 'api-key' } });
    const statements = (rest.result!['policyDocument'] as { Statement: Array<{ Effect: string; Resource: string[] }> }).Statement;
    // The key lacks `admin`: a route-wide policy could not deny /admin/* as the route table reads it.
    expect(statements).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [expect.stringMatching(/\/prod\/GET\/items\/1$/)] },
    ]);
    const http = await invoke(bundle, httpAuthorizerEvent(draft('/items/1', API_KEY)));
    expect(http.result).toMatchObject({ isAuthorized: true });
    expect(http.result).not.toHaveProperty('usageIdentifierKey');
    const refused = await invoke(bundle, restAuthorizerEvent(draft('/prod/items/1', UNKNOWN_KEY)));
    expect(refused.error).toBe('Unauthorized');
    const logs = rest.logs + http.logs + refused.logs;
    expect(logs).toContain('authorizer.allow');
    expect(logs).toContain('ERR_KEY_NOT_FOUND');
    for (const key of ALL_KEYS) {
      expect(logs).not.toContain(key);
      expect(logs).not.toContain(hashOf(key).slice(7));
    }
  }, 60_000);
});
