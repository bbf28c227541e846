// The authorizer as deployed carries the configuration the build validated (infra/build.mjs, from
// AUTH_CONFIG_FILE): an invalid configuration fails the build and leaves no bundle; the bundle
// allows a signed request and refuses an unsigned one with no valibot in it; the environment can
// only make it refuse. authorizer-runtime still validates AUTH_CONFIG and AUTH_CONFIG_FILE when it
// runs. Bundles run in fresh node processes, as in a Lambda container.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/signer.ts';
import { restAuthorizerEvent } from '../fixtures/apigw.ts';
import { ROOT } from './artifacts.ts';

const run = promisify(execFile);
const DEMO = join(ROOT, 'infra', 'lambda-demo-config.json');
const demoText = readFileSync(DEMO, 'utf8');
const demoUser = createSigV4Signer({
  keyId: 'AKIDEMO00000000000001',
  secret: 'demo-only-secret-do-not-use-in-production-1',
  region: 'us-east-1',
  service: 'execute-api',
});

// A configuration of one's own, outside the project: another key, another principal.
const OWN_SECRET = 'own-secret-for-the-prevalidated-test';
const own = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  keys: [{ id: 'AKIDOWN0000000000001', secret: OWN_SECRET, principal: 'own-user', permissions: ['items:read'] }],
};
const ownUser = createSigV4Signer({ keyId: 'AKIDOWN0000000000001', secret: OWN_SECRET, region: 'us-east-1', service: 'execute-api' });

const draft = (path: string): SignedRequest => ({
  method: 'GET',
  path,
  query: 'limit=10',
  headers: [['Host', 'abc123.execute-api.us-east-1.amazonaws.com']],
  body: new Uint8Array(),
});

interface Invocation {
  result?: RestAuthorizerResult;
  error?: string;
  stdout: string;
  stderr: string;
}

// One fresh process per call: the module-level authenticator cache and the environment are the
// container's, as in Lambda.
const INVOKE = `
  const [file, event] = process.argv.slice(1);
  const m = await import(file);
  let out;
  try { out = { result: await m.handler(JSON.parse(event)) }; } catch (e) { out = { error: e.message }; }
  process.stdout.write('\\n' + JSON.stringify(out) + '\\n');`;

async function invoke(bundle: string, event: unknown, env: Record<string, string> = {}): Promise<Invocation> {
  const { AUTH_CONFIG: _text, AUTH_CONFIG_FILE: _file, ...inherited } = process.env;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', INVOKE, 'file://' + bundle, JSON.stringify(event)], {
    env: { ...inherited, ...env },
    timeout: 20_000,
  });
  const lines = stdout.trimEnd().split('\n');
  return { ...(JSON.parse(lines.pop()!) as { result?: RestAuthorizerResult; error?: string }), stdout: lines.join('\n'), stderr };
}

describe('the authorizer bundle with a configuration validated at build time', () => {
  let dir: string;
  let authorizer: string;
  let runtime: string;
  let ownBundle: string;
  let ownConfig: string;
  let inputs: Record<string, Record<string, string[]>>;
  let build: typeof import('../../infra/build.mjs').build;

  beforeAll(async () => {
    ({ build } = await import('../../infra/build.mjs'));
    dir = mkdtempSync(join(tmpdir(), 'edge-auth-prevalidated-'));
    const metafiles = (await build(['authorizer', 'authorizer-runtime'], { outDir: join(dir, 'demo'), authConfigFile: DEMO })) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    inputs = { authorizer: metafiles.authorizer!.inputs as never, runtime: metafiles['authorizer-runtime']!.inputs as never };
    authorizer = join(dir, 'demo', 'lambda', 'authorizer', 'index.mjs');
    runtime = join(dir, 'demo', 'lambda', 'authorizer-runtime', 'index.mjs');
    ownConfig = join(dir, 'own-config.json');
    writeFileSync(ownConfig, JSON.stringify(own));
    await build(['authorizer'], { outDir: join(dir, 'own'), authConfigFile: ownConfig });
    ownBundle = join(dir, 'own', 'lambda', 'authorizer', 'index.mjs');
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('the build', () => {
    const invalid = { ...own, keys: [{ ...own.keys[0], secret: 'short' }] };

    it('fails for an invalid configuration, naming the field and never its value, and leaves no bundle behind', async () => {
      const out = join(dir, 'invalid');
      // A bundle from an earlier, valid build must not stay there to be deployed.
      await build(['authorizer'], { outDir: out, authConfigFile: DEMO });
      const bundle = join(out, 'lambda', 'authorizer', 'index.mjs');
      expect(existsSync(bundle)).toBe(true);
      const bad = join(dir, 'invalid.json');
      writeFileSync(bad, JSON.stringify(invalid));
      const failure = build(['authorizer'], { outDir: out, authConfigFile: bad });
      await expect(failure).rejects.toThrow(/invalid configuration:\n {2}keys\[0\]\.secret: must be at least 8 characters/);
      await expect(failure).rejects.not.toThrow(/short/);
      expect(existsSync(bundle)).toBe(false);
    });

    it('fails for a document that is not JSON, or a file that is not there', async () => {
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"schemes": ');
      await expect(build(['authorizer'], { outDir: join(dir, 'broken'), authConfigFile: broken })).rejects.toThrow(/not valid JSON/);
      await expect(build(['authorizer'], { outDir: join(dir, 'missing'), authConfigFile: join(dir, 'nope.json') })).rejects.toThrow(
        /cannot read it/,
      );
      expect(existsSync(join(dir, 'broken', 'lambda', 'authorizer', 'index.mjs'))).toBe(false);
    });

    it('needs no configuration for the other bundles', async () => {
      await expect(
        build(['authorizer-runtime'], { outDir: join(dir, 'runtime-only'), authConfigFile: join(dir, 'nope.json') }),
      ).resolves.toBeDefined();
    });

    it('puts in the bundle exactly what loadConfig outputs for the file, and the SHA-256 of its bytes', async () => {
      const { prevalidatedConfig } = await import('../../infra/build.mjs');
      const baked = await prevalidatedConfig(ownConfig);
      expect(baked.config).toEqual(loadConfig(readFileSync(ownConfig, 'utf8')));
      const { createHash } = await import('node:crypto');
      expect(baked.sha256).toBe(createHash('sha256').update(readFileSync(ownConfig)).digest('hex'));
    });

    it('leaves valibot and the configuration schemas out of the authorizer bundle (authorizer-runtime keeps them)', () => {
      const fromValibot = (i: Record<string, unknown>) => Object.keys(i).filter((p) => p.includes('node_modules/valibot'));
      expect(fromValibot(inputs.authorizer!)).toEqual([]);
      expect(Object.keys(inputs.authorizer!).filter((p) => /lib\/config\/(schema|load)\.ts|sigv4\/options\.ts/.test(p))).toEqual([]);
      expect(fromValibot(inputs.runtime!).length).toBeGreaterThan(0);
      expect(readFileSync(authorizer, 'utf8')).not.toContain('is replaced by infra/build.mjs');
    });

    it('bundles only the schemes the configuration turns on: a SigV4 authorizer carries no MAuth code', async () => {
      const schemeDirs = (i: Record<string, unknown>) =>
        [...new Set(Object.keys(i).flatMap((p) => /lib\/schemes\/([a-z0-9-]+)\//.exec(p)?.[1] ?? []))].sort();
      expect(schemeDirs(inputs.authorizer!)).toEqual(['sigv4']);
      expect(schemeDirs(inputs.runtime!)).toEqual(['api-key', 'jwt', 'mauth', 'sigv4', 'ustudio-hmac']);
      const both = join(dir, 'both-config.json');
      writeFileSync(
        both,
        JSON.stringify({ ...own, schemes: { ...own.schemes, mauth: {} }, keys: own.keys.map((k) => ({ ...k, scheme: 'sigv4' })) }),
      );
      const metafiles = (await build(['authorizer'], { outDir: join(dir, 'both'), authConfigFile: both })) as Record<
        string,
        { inputs: Record<string, unknown> }
      >;
      expect(schemeDirs(metafiles.authorizer!.inputs)).toEqual(['mauth', 'sigv4']);
      // A scheme id with a "-": its implementation is found by the build's naming rule (ustudio-hmac: ustudioHmacImplementation).
      const ustudio = join(dir, 'ustudio-config.json');
      writeFileSync(
        ustudio,
        JSON.stringify({ ...own, schemes: { 'ustudio-hmac': {} }, keys: own.keys.map((k) => ({ ...k, scheme: 'ustudio-hmac' })) }),
      );
      const ustudioBuild = (await build(['authorizer'], { outDir: join(dir, 'ustudio'), authConfigFile: ustudio })) as Record<
        string,
        { inputs: Record<string, unknown> }
      >;
      expect(schemeDirs(ustudioBuild.authorizer!.inputs)).toEqual(['ustudio-hmac']);
      // And that bundle verifies a bodyless USTUDIO-HMAC-V2 request, and refuses it tampered.
      const bundle = join(dir, 'ustudio', 'lambda', 'authorizer', 'index.mjs');
      const signed = await createUStudioSigner({ keyId: 'AKIDOWN0000000000001', secret: OWN_SECRET }).sign(draft('/prod/rest/items'));
      expect((await invoke(bundle, restAuthorizerEvent(signed))).result?.principalId).toBe('own-user');
      expect((await invoke(bundle, restAuthorizerEvent({ ...signed, query: 'limit=11' }))).error).toBe('Unauthorized');
    }, 60_000);
  });

  it('the stand-in module throws when anything but the build loads it', async () => {
    await expect(import('../../functions/prevalidated-config.ts')).rejects.toThrow(/replaced by infra\/build\.mjs/);
  });

  describe('at run time', () => {
    it('allows a signed request with the configuration in the bundle, with or without AUTH_CONFIG_FILE naming that same file', async () => {
      const event = restAuthorizerEvent(await demoUser.sign(draft('/prod/rest/items')));
      for (const env of [{}, { AUTH_CONFIG_FILE: DEMO }] as Array<Record<string, string>>) {
        const { result, error } = await invoke(authorizer, event, env);
        expect(error).toBeUndefined();
        expect(result!.principalId).toBe('demo-user');
        expect(result!.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: [event.methodArn] })]);
      }
    });

    it('refuses an unsigned request and a tampered one: Unauthorized (401)', async () => {
      const signed = await demoUser.sign(draft('/prod/rest/items'));
      for (const req of [draft('/prod/rest/items'), { ...signed, query: 'limit=11' }]) {
        const { result, error, stdout } = await invoke(authorizer, restAuthorizerEvent(req));
        expect(result).toBeUndefined();
        expect(error).toBe('Unauthorized');
        expect(stdout).toContain('"event":"authorizer.unauthorized"');
      }
    });

    it('uses the configuration it was built with, not one the environment names', async () => {
      const ownEvent = restAuthorizerEvent(await ownUser.sign(draft('/prod/rest/items')));
      const demoEvent = restAuthorizerEvent(await demoUser.sign(draft('/prod/rest/items')));
      expect((await invoke(ownBundle, ownEvent)).result?.principalId).toBe('own-user');
      expect((await invoke(ownBundle, demoEvent)).error).toBe('Unauthorized');
      expect((await invoke(ownBundle, ownEvent, { AUTH_CONFIG_FILE: ownConfig })).result?.principalId).toBe('own-user');
    });

    it.each([
      ['AUTH_CONFIG is set (even to the same document)', () => ({ AUTH_CONFIG: demoText }), /AUTH_CONFIG is set/],
      [
        'AUTH_CONFIG_FILE names another configuration',
        () => ({ AUTH_CONFIG_FILE: join(ROOT, 'infra', 'demo-config.json') }),
        /not the configuration/,
      ],
      ['AUTH_CONFIG_FILE names a changed copy of it', () => ({ AUTH_CONFIG_FILE: changedCopy() }), /not the configuration/],
      ['AUTH_CONFIG_FILE names no file', () => ({ AUTH_CONFIG_FILE: join(dir, 'nope.json') }), /names no readable file/],
    ])('refuses every request, as a configuration error (500), when %s', async (_label, env, issue) => {
      const event = restAuthorizerEvent(await demoUser.sign(draft('/prod/rest/items')));
      const { result, error, stderr } = await invoke(authorizer, event, env());
      expect(result).toBeUndefined();
      expect(error).toBe('authorizer configuration error');
      const logged = JSON.parse(stderr.trim().split('\n').pop()!) as { event: string; issues: string[] };
      expect(logged.event).toBe('config.invalid');
      expect(logged.issues.join('\n')).toMatch(issue);
    });

    function changedCopy(): string {
      const file = join(dir, 'changed.json');
      const changed = JSON.parse(demoText) as { keys: Array<{ disabled?: boolean }> };
      changed.keys[0]!.disabled = true;
      writeFileSync(file, JSON.stringify(changed, null, 2));
      return file;
    }
  });

  describe('authorizer-runtime validates AUTH_CONFIG and AUTH_CONFIG_FILE when it runs', () => {
    it('allows a signed request with a valid AUTH_CONFIG, or AUTH_CONFIG_FILE', async () => {
      const event = restAuthorizerEvent(await demoUser.sign(draft('/prod/rest/items')));
      for (const env of [{ AUTH_CONFIG: demoText }, { AUTH_CONFIG_FILE: DEMO }] as Array<Record<string, string>>) {
        const { result, error } = await invoke(runtime, event, env);
        expect(error).toBeUndefined();
        expect(result!.principalId).toBe('demo-user');
      }
      expect((await invoke(runtime, restAuthorizerEvent(draft('/prod/rest/items')), { AUTH_CONFIG: demoText })).error).toBe('Unauthorized');
    });

    it('refuses every request when AUTH_CONFIG is invalid, logging the field and never the value', async () => {
      const secret = 'short';
      const bad = JSON.stringify({ ...own, keys: [{ ...own.keys[0], secret }] });
      const event = restAuthorizerEvent(await ownUser.sign(draft('/prod/rest/items')));
      const { result, error, stderr } = await invoke(runtime, event, { AUTH_CONFIG: bad });
      expect(result).toBeUndefined();
      expect(error).toBe('authorizer configuration error');
      const logged = JSON.parse(stderr.trim().split('\n').pop()!) as { event: string; issues: string[] };
      expect(logged).toEqual({ event: 'config.invalid', issues: ['keys[0].secret: must be at least 8 characters'] });
      expect(stderr).not.toContain(secret + '"');
    });
  });
});
