/**
 * Proof from the packed tarball, never from the sources: `npm pack`, an offline `npm install` of the
 * tarball into a scratch consumer project (test/package/consumer/), then what a user does with it:
 * import every entry point with Node, type-check a consumer under strict tsc, bundle a Worker with
 * wrangler and run it under workerd, bundle a Lambda authorizer with esbuild and call it, sign
 * requests to that Worker with createSignedFetch, and run the CLI.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer, npm, packPackage, type PackResult } from '../../infra/pack.mjs';
import { ROOT, startWorker } from '../helpers/workerd.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { startSecretsManagerEndpoint, TEST_CREDENTIALS, type SecretsManagerEndpoint } from '../helpers/secrets-manager-endpoint.ts';

const run = promisify(execFile);
const CONFIG = JSON.stringify({
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', algorithms: ['AWS4-HMAC-SHA256'] } },
  keys: [{ id: 'AKIDCONSUMER', secret: 'consumer-secret-0001', principal: 'consumer', permissions: [] }],
});

let dir: string;
let packed: PackResult;
let consumer: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-package-'));
  packed = packPackage(join(dir, 'pack'));
  consumer = createConsumer(dir, { tarball: packed.tarball });
  cpSync(join(ROOT, 'test', 'package', 'consumer'), consumer, { recursive: true });
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const node = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, args, { cwd: consumer, env: { ...process.env, ...env }, encoding: 'utf8' });

describe('the tarball', () => {
  it('holds the compiled JavaScript and declarations, the bin, the README, its docs and examples, and the LICENSE: no sources, tests or bundles', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of paths)
      expect(p).toMatch(
        /^(dist\/.+\.(js|d\.ts)|bin\/edge-auth\.js|README\.md|BENCHMARKS\.md|LICENSE|package\.json|docs\/.+\.md|examples\/([\w-]+\.ts|README\.md|tsconfig\.json))$/,
      );
    // The license the package.json names ships with it.
    expect(paths).toContain('LICENSE');
    expect(paths.filter((p) => p.includes('.test.'))).toEqual([]);
    for (const entry of [
      'index',
      'adapters/hono/index',
      'adapters/aws-lambda/index',
      'adapters/aws-lambda/mauth',
      'adapters/fetch/index',
      'core/crypto-node',
      'core/crypto-web',
    ]) {
      expect(paths).toContain(`dist/${entry}.js`);
      expect(paths).toContain(`dist/${entry}.d.ts`);
    }
  });

  it('holds every file the README and the docs link to, so the links work from node_modules too', () => {
    const paths = new Set(packed.files.map((f) => f.path));
    for (const doc of [...paths].filter((p) => p.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // a URL
        const resolved = posix.normalize(posix.join(posix.dirname(doc), target!)).replace(/\/$/, '');
        const found = paths.has(resolved) || [...paths].some((p) => p.startsWith(resolved + '/'));
        expect(found, `${doc} links to ${target}, which the tarball lacks`).toBe(true);
      }
    }
  });

  it('has a package.json fit to publish, and `npm publish --dry-run` accepts it', () => {
    const pkg = JSON.parse(readFileSync(join(consumer, 'node_modules', 'edge-authorizer', 'package.json'), 'utf8'));
    expect(pkg.private).toBeUndefined();
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports)).toEqual([
      '.',
      './hono',
      './aws-lambda',
      './aws-lambda/mauth',
      './fetch',
      './token-service',
      './package.json',
    ]);
    expect(pkg.bin).toEqual({ 'edge-auth': 'bin/edge-auth.js' });
    expect(pkg).toHaveProperty('engines.node');
    expect(pkg).toHaveProperty('license', 'Apache-2.0');
    expect(pkg).toHaveProperty('repository.url');
    // jose: the JWT scheme imports and signs with it; nothing else is a runtime dependency.
    expect(Object.keys(pkg.dependencies)).toEqual(['jose', 'valibot']);
    // What only the token service needs is an optional peer, so an edge-only install gets none of it.
    for (const peer of ['kysely', 'kysely-d1', 'oauth4webapi', 'pg']) expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true });
    const out = npm(['publish', '--dry-run', '--offline', '--ignore-scripts', '--json'], ROOT);
    expect(JSON.parse(out.slice(out.indexOf('{')))['edge-authorizer']).toMatchObject({
      name: 'edge-authorizer',
      entryCount: packed.entryCount,
    });
  });
});

describe('a consumer project with the tarball installed', () => {
  it('imports every entry point with Node', async () => {
    const { stdout } = await node(['imports.mjs']);
    const names = JSON.parse(stdout) as Record<string, string[]>;
    expect(names['edge-authorizer']).toEqual(
      expect.arrayContaining([
        'createAuthenticator',
        'publicError',
        'loadConfig',
        'ConfigError',
        'ErrorCodes',
        'authError',
        'createMemoryKeyStore',
        'createCachedKeyStore',
        'parseKeyRecord',
        'parseKeyRecords',
        'KeyStoreError',
        'workersKvSource',
        'secretBindingSource',
        'createSigV4Verifier',
        'createSigV4Signer',
        'createMAuthVerifier',
        'createMAuthSigner',
      ]),
    );
    expect(names['edge-authorizer/hono']).toEqual([
      'PRINCIPAL_HEADER',
      'SCHEME_HEADER',
      'edgeAuth',
      'headersWithoutCredentials',
      'openWorkerKeyStore',
      'queryWithoutCredentials',
      'toSignedRequest',
    ]);
    expect(names['edge-authorizer/aws-lambda']).toEqual([
      'EMPTY_BODY_SHA256',
      'LambdaAuthenticator',
      'MAuthLambdaAuthenticator',
      'UNAUTHORIZED',
      'authenticate',
      'authorizerContextOf',
      'confirmAuthorizerBody',
      'createAuthorizerHandler',
      'mauthConfigFromEnv',
      'openLambdaKeyStore',
      'withAuthentication',
    ]);
    expect(names['edge-authorizer/aws-lambda/mauth']).toEqual([
      'LambdaAuthenticator',
      'MAuthLambdaAuthenticator',
      'mauthConfigFromEnv',
      'mauthSigner',
    ]);
    expect(names['edge-authorizer/fetch']).toEqual(['SignedFetchError', 'createSignedFetch', 'mauthSigner']);
    // The token service entry loads with its peers (kysely, kysely-d1, oauth4webapi) and without pg,
    // which only openPostgresStore loads, when it is called.
    expect(names['edge-authorizer/token-service']).toEqual(
      expect.arrayContaining([
        'createTokenService',
        'createTokenServiceFromConfig',
        'createTokenServiceWorker',
        'openD1Store',
        'openPostgresStore',
      ]),
    );
  });

  it('type-checks under strict tsc, NodeNext (our declarations checked too) and Bundler resolution', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = async (resolution: 'NodeNext' | 'Bundler', skipLibCheck: boolean) => {
      const config = join(consumer, `tsconfig.${resolution}.json`);
      const module = resolution === 'Bundler' ? 'ESNext' : 'NodeNext';
      writeFileSync(
        config,
        JSON.stringify({ extends: './tsconfig.json', compilerOptions: { module, moduleResolution: resolution, skipLibCheck } }),
      );
      try {
        return (await node([tsc, '-p', config])).stdout;
      } catch (e) {
        return `exit ${(e as { code?: number }).code}: ${(e as { stdout?: string }).stdout}`;
      }
    };
    // Checking declarations (skipLibCheck: false) means checking hono's too, which costs seconds: once is enough.
    expect(await Promise.all([check('NodeNext', false), check('Bundler', true)])).toEqual(['', '']);
  }, 90_000);

  it('type-checks a Worker against the Workers runtime types that `wrangler types` writes, without the DOM library, our declarations checked too', async () => {
    // A Worker project as Cloudflare sets one up: runtime types from wrangler, no "DOM" in lib (its
    // globals clash with the runtime's). The declarations must name no type only the DOM library has.
    const wrangler = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
    await node([wrangler, 'types'], {
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      XDG_CONFIG_HOME: join(consumer, '.xdg'),
      WRANGLER_LOG_PATH: join(consumer, '.wrangler', 'logs'),
    });
    const config = join(consumer, 'tsconfig.workers.json');
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['./worker-configuration.d.ts'],
        },
        files: ['src/worker.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = await node([tsc, '-p', config]).then(
      (r) => r.stdout,
      (e: { code?: number; stdout?: string }) => `exit ${e.code}: ${e.stdout}`,
    );
    expect(out).toBe('');
  }, 90_000);

  it('type-checks examples/ as a user compiles them, against the installed tarball', async () => {
    // The examples import 'edge-authorizer', 'edge-authorizer/hono', ...: here those resolve to the
    // installed package, never to the sources (examples/README.md; test/examples checks the rest).
    const examples = join(consumer, 'examples');
    cpSync(join(ROOT, 'examples'), examples, { recursive: true, filter: (src) => !src.endsWith('tsconfig.json') });
    writeFileSync(
      join(examples, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          allowImportingTsExtensions: true,
          noEmit: true,
          strict: true,
          noUncheckedIndexedAccess: true,
          isolatedModules: true,
          verbatimModuleSyntax: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        include: ['*.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = await node([tsc, '-p', join(examples, 'tsconfig.json')]).then(
      (r) => r.stdout,
      (e: { code?: number; stdout?: string }) => `exit ${e.code}: ${e.stdout}`,
    );
    expect(out).toBe('');
  }, 90_000);

  it('runs the CLI from the installed bin (compiled; no esbuild at runtime)', async () => {
    writeFileSync(join(consumer, 'config.json'), CONFIG);
    const request = JSON.stringify({ method: 'GET', url: 'https://api.example.com/items?limit=1', headers: {} });
    const bin = join(consumer, 'node_modules', '.bin', 'edge-auth');
    const sign = execFileSync(bin, ['sign', '--config', 'config.json', '--key', 'AKIDCONSUMER'], {
      cwd: consumer,
      input: request,
      encoding: 'utf8',
    });
    const verify = execFileSync(bin, ['verify', '--config', 'config.json'], { cwd: consumer, input: sign, encoding: 'utf8' });
    expect(JSON.parse(verify)).toMatchObject({ ok: true, principal: { id: 'consumer' } });
  });
});

describe('a consumer Worker (edge-authorizer/hono) bundled by wrangler, under workerd', () => {
  let mf: Miniflare | undefined;
  let script: string;
  let url: URL;

  beforeAll(async () => {
    const wrangler = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
    await node([wrangler, 'deploy', '--dry-run', '--outdir', 'out/worker'], {
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      XDG_CONFIG_HOME: join(consumer, '.xdg'),
      WRANGLER_LOG_PATH: join(consumer, '.wrangler', 'logs'),
    });
    script = readFileSync(join(consumer, 'out', 'worker', 'worker.js'), 'utf8');
    mf = await startWorker(script, { AUTH_CONFIG: CONFIG });
    url = await mf.ready;
  }, 120_000);
  afterAll(async () => {
    await mf?.dispose();
  });

  it('bundles the Web Crypto backend from dist/, and nothing of node:crypto or the AWS SDK', () => {
    expect(script).toContain('crypto.subtle');
    expect(script).not.toContain('node:crypto');
    expect(script).not.toContain('@aws-sdk');
  });

  it('createSignedFetch from the tarball: signed 200 (odd paths too), unsigned 401, tampered 401', async () => {
    const { stdout } = await node(['signed-client.mjs', url.origin]);
    const r = JSON.parse(stdout);
    expect(r.signed).toEqual({ status: 200, body: { principal: 'consumer', path: '/items/42', query: 'limit=10', body: '{"amount":1}' } });
    expect(r.odd).toMatchObject({ status: 200, body: { principal: 'consumer', path: '/items/a%20b/%C3%A9', query: 'q=x%20y&z=%27' } });
    expect(r.unsigned).toMatchObject({ status: 401, body: { error: 'ERR_AUTH_MISSING' } });
    expect(r.tampered).toMatchObject({ status: 401, body: { error: 'ERR_SIGNATURE_INVALID' } });
  });
});

describe("the README's Worker (examples/worker.ts as the tarball ships it) with its keys in a secret binding", () => {
  let mf: Miniflare | undefined;
  let url: URL;
  const SECRET = 'consumer-bundle-secret-0001';
  const signer = createSigV4Signer({ keyId: 'AKIDBUNDLE', secret: SECRET, region: 'us-east-1', service: 'execute-api' });

  beforeAll(async () => {
    const built = await esbuild.build({
      absWorkingDir: consumer,
      entryPoints: ['node_modules/edge-authorizer/examples/worker.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      write: false,
      logLevel: 'warning',
    });
    mf = await startWorker(built.outputFiles[0]!.text, {
      AUTH_CONFIG: JSON.stringify({
        schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
        keyStores: [{ type: 'secret-binding', schemes: ['sigv4'], binding: 'AUTH_KEY_BUNDLE' }],
      }),
      AUTH_KEY_BUNDLE: JSON.stringify({ keys: [{ id: 'AKIDBUNDLE', secrets: [SECRET], principal: 'bundle-user', permissions: [] }] }),
    });
    url = await mf.ready;
  }, 120_000);
  afterAll(async () => {
    await mf?.dispose();
  });

  it("opens the store the configuration names: signed 200 as the bundle's principal, unsigned 401", async () => {
    const signed = await signer.sign({ method: 'GET', path: '/hello', query: '', headers: [['host', url.host]], body: new Uint8Array() });
    const res = await fetch(new URL('/hello', url), {
      headers: signed.headers.filter(([n]) => n.toLowerCase() !== 'host').map(([n, v]): [string, string] => [n, v]),
    });
    expect([res.status, await res.json()]).toEqual([200, { hello: 'bundle-user', scheme: 'sigv4' }]);
    expect((await fetch(new URL('/hello', url))).status).toBe(401);
  });
});

describe('a consumer Lambda authorizer (edge-authorizer/aws-lambda) bundled by esbuild', () => {
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    bundle = join(consumer, 'out', 'authorizer.mjs');
    const result = await esbuild.build({
      absWorkingDir: consumer,
      entryPoints: ['src/authorizer.ts'],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      metafile: true,
      logLevel: 'warning',
    });
    inputs = Object.keys(result.metafile.inputs);
  });

  it('takes the node:crypto backend from dist/ and no hono', () => {
    expect(inputs).toContain('node_modules/edge-authorizer/dist/core/crypto-node.js');
    expect(inputs.filter((i) => i.includes('hono') || i.includes('crypto-web'))).toEqual([]);
    expect(inputs.filter((i) => !i.startsWith('node_modules/') && i !== 'src/authorizer.ts')).toEqual([]);
  });

  it('allows a signed REST and HTTP API event, and answers Unauthorized to an unsigned one', async () => {
    const { stdout } = await node(['lambda-client.mjs', bundle], { AUTH_CONFIG: CONFIG });
    const r = JSON.parse(stdout);
    expect(r.rest.result).toMatchObject({
      principalId: 'consumer',
      policyDocument: {
        Statement: [{ Effect: 'Allow', Resource: ['arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/42'] }],
      },
    });
    expect(r.http.result).toMatchObject({ isAuthorized: true, context: { principal: 'consumer' } });
    expect(r.unsigned).toEqual({ thrown: 'Unauthorized' });
  });
});

describe("the README's Lambda authorizer (examples/lambda-authorizer.ts as the tarball ships it) with its keys in Secrets Manager", () => {
  let ep: SecretsManagerEndpoint;
  let bundle: string;
  let text: string;
  const PREFIX = 'consumer/keys/';

  beforeAll(async () => {
    ep = await startSecretsManagerEndpoint();
    ep.put(`${PREFIX}AKIDCONSUMER`, [
      {
        versionId: 'v1',
        stages: ['AWSCURRENT'],
        string: JSON.stringify({ id: 'AKIDCONSUMER', secrets: ['consumer-secret-0001'], principal: 'sm-consumer', permissions: [] }),
      },
    ]);
    bundle = join(consumer, 'out', 'readme-authorizer.mjs');
    // As a Lambda user bundles it: the SDK left external, since Lambda's Node runtimes ship it.
    await esbuild.build({
      absWorkingDir: consumer,
      entryPoints: ['node_modules/edge-authorizer/examples/lambda-authorizer.ts'],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@aws-sdk/*'],
      logLevel: 'warning',
    });
    text = readFileSync(bundle, 'utf8');
    // The runtime's SDK: this repository's copy, where the bundle's imports find it.
    mkdirSync(join(consumer, 'node_modules', '@aws-sdk'), { recursive: true });
    symlinkSync(
      join(ROOT, 'node_modules', '@aws-sdk', 'client-secrets-manager'),
      join(consumer, 'node_modules', '@aws-sdk', 'client-secrets-manager'),
    );
  }, 120_000);
  afterAll(async () => {
    await ep?.close();
  });

  const invoke = async () => {
    const { stdout } = await node(['lambda-client.mjs', bundle], {
      AUTH_CONFIG: JSON.stringify({
        schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', algorithms: ['AWS4-HMAC-SHA256'] } },
        keyStores: [{ type: 'secrets-manager', schemes: ['sigv4'], prefix: PREFIX, endpoint: ep.url, maxAttempts: 1 }],
      }),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
    });
    // The example logs its decisions as JSON lines on stdout too; the client prints its outcomes last.
    return JSON.parse(stdout.trimEnd().split('\n').pop()!) as {
      rest: { result?: unknown; thrown?: string };
      http: { result?: unknown; thrown?: string };
      unsigned: unknown;
    };
  };

  it('holds the store but not the SDK, which it imports on the first lookup', () => {
    expect(text).toContain('"@aws-sdk/client-secrets-manager"');
    expect(/from\s*"@aws-sdk\//.test(text)).toBe(false);
    expect(text).not.toContain('SecretsManagerClient.prototype');
  });

  it('allows REST and HTTP API events signed with the key kept in Secrets Manager, read through the real SDK', async () => {
    const r = await invoke();
    expect(r.rest.result).toMatchObject({ principalId: 'sm-consumer', policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    expect(r.http.result).toMatchObject({ isAuthorized: true, context: { principal: 'sm-consumer' } });
    expect(r.unsigned).toEqual({ thrown: 'Unauthorized' });
    expect(ep.calls.filter((c) => c.secretId === `${PREFIX}AKIDCONSUMER`).length).toBeGreaterThan(0);
    expect(ep.calls.every((c) => c.signatureOk)).toBe(true);
  });

  it('answers a store fault with an error other than Unauthorized (API Gateway: 500), never an Allow', async () => {
    ep.fault = { kind: 'status-500' };
    try {
      const r = await invoke();
      expect([r.rest, r.http]).toEqual([{ thrown: 'key store unavailable' }, { thrown: 'key store unavailable' }]);
    } finally {
      ep.fault = { kind: 'none' };
    }
  });
});

describe('withSchemes(sigv4Scheme): a bundle of the tarball holds SigV4 and none of the other schemes', () => {
  // The key-store openers can open a MAuth key service, whose client signs its requests with MAuth
  // (its signer and canonical form): that much of MAuth stays, never its scheme or the others.
  const OTHER_SCHEMES = /(^|\/)dist\/schemes\/(jwt|ustudio-hmac|api-key)\/|dist\/schemes\/mauth\/(scheme|index)\.js$|node_modules\/jose\//;
  /** The files that put code in a minified bundle of `entry`, and its size. */
  const bundled = async (entry: string, platform: 'node' | 'browser') => {
    const result = await esbuild.build({
      absWorkingDir: consumer,
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'esm',
      platform,
      ...(platform === 'browser' ? { conditions: ['workerd', 'worker', 'browser'] } : { target: 'node20' }),
      external: ['@aws-sdk/*', 'hono', 'hono/*'],
      write: false,
      metafile: true,
      logLevel: 'warning',
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    return {
      bytes: output.bytes,
      files: Object.entries(output.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([f]) => f),
    };
  };

  it('for Node and for workerd, against createAuthenticator and loadConfig, which bundle all five', async () => {
    writeFileSync(
      join(consumer, 'src', 'all-schemes.ts'),
      "export { createAuthenticator, loadConfig } from 'edge-authorizer';\nexport { createAuthorizerHandler, openLambdaKeyStore } from 'edge-authorizer/aws-lambda';\nexport { edgeAuth, openWorkerKeyStore } from 'edge-authorizer/hono';\n",
    );
    for (const platform of ['node', 'browser'] as const) {
      const only = await bundled('src/sigv4-only.ts', platform);
      const all = await bundled('src/all-schemes.ts', platform);
      expect(
        only.files.filter((f) => OTHER_SCHEMES.test(f)),
        platform,
      ).toEqual([]);
      expect(only.files.some((f) => f.includes('dist/schemes/sigv4/'))).toBe(true);
      expect(all.files.filter((f) => OTHER_SCHEMES.test(f)).length).toBeGreaterThan(10);
      expect(only.bytes).toBeLessThan(all.bytes * 0.7);
    }
  });

  it('answers as the plain functions do: the Lambda authorizer allows a signed event and refuses an unsigned one', async () => {
    const bundle = join(consumer, 'out', 'sigv4-only.mjs');
    await esbuild.build({
      absWorkingDir: consumer,
      entryPoints: ['src/sigv4-only.ts'],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@aws-sdk/*', 'hono', 'hono/*'],
      logLevel: 'warning',
    });
    const { stdout } = await node(['lambda-client.mjs', bundle], { AUTH_CONFIG: CONFIG });
    const r = JSON.parse(stdout);
    expect(r.rest.result).toMatchObject({ principalId: 'consumer', policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    expect(r.http.result).toMatchObject({ isAuthorized: true });
    expect(r.unsigned).toEqual({ thrown: 'Unauthorized' });
  });
});
