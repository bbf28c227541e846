// Bundles the deployable and runnable entry points with esbuild. Run directly (`npm run build`) or
// import { build } from bin/edge-auth.js, which builds the CLI on first use.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The package.json condition under which `#crypto` resolves to the TypeScript sources in lib/
 * rather than the compiled dist/ files a consumer gets. Every tool that runs the sources passes it
 * (esbuild here, tsconfig.json `customConditions`, vitest.config.ts, wrangler.toml `alias`).
 */
export const SOURCE_CONDITION = 'edge-authorizer-source';

/** The configuration the authorizer is built with when AUTH_CONFIG_FILE is not set (as serverless.yml and offline.mjs default). */
export const DEMO_LAMBDA_CONFIG = 'infra/lambda-demo-config.json';

/** Each entry: source, output, platform and the package.json `imports` conditions it resolves with. */
export const ENTRIES = [
  { name: 'cli', entry: 'lib/cli/run.ts', outfile: 'build/cli.mjs', platform: 'node', conditions: ['node'], minify: false },
  { name: 'bench', entry: 'bench/sigv4.bench.ts', outfile: 'build/bench.mjs', platform: 'node', conditions: ['node'], minify: false },
  {
    name: 'bench-cold',
    entry: 'bench/cold-start.ts',
    outfile: 'build/bench-cold.mjs',
    platform: 'node',
    conditions: ['node'],
    minify: false,
  },
  // Lambda (nodejs22.x): minified ESM, one folder per function so each deploys only its own code.
  // The AWS SDK v3 is left external: the runtime ships it, and nothing here needs a newer one.
  // The authorizer as deployed carries the configuration the build validated (AUTH_CONFIG_FILE at
  // build time; see prevalidatedConfig), so its cold start neither validates nor loads valibot;
  // authorizer-runtime reads and validates AUTH_CONFIG or AUTH_CONFIG_FILE when it runs.
  {
    name: 'authorizer',
    entry: 'functions/authorizer.ts',
    outfile: 'build/lambda/authorizer/index.mjs',
    platform: 'node',
    conditions: ['node'],
    minify: true,
    lambda: true,
    prevalidated: true,
  },
  {
    name: 'authorizer-runtime',
    entry: 'functions/authorizer-runtime.ts',
    outfile: 'build/lambda/authorizer-runtime/index.mjs',
    platform: 'node',
    conditions: ['node'],
    minify: true,
    lambda: true,
  },
  {
    name: 'api',
    entry: 'functions/api.ts',
    outfile: 'build/lambda/api/index.mjs',
    platform: 'node',
    conditions: ['node'],
    minify: true,
    lambda: true,
  }, // The token service on Lambda (functions/token-service-lambda.ts: PostgreSQL through pg, secrets
  // through the SDK the runtime ships). Built on demand (`node infra/build.mjs token-service`), not by a
  // plain `npm run build`; it has no key stores beside it.
  {
    name: 'token-service',
    entry: 'functions/token-service-lambda.ts',
    outfile: 'build/lambda/token-service/index.mjs',
    platform: 'node',
    conditions: ['node'],
    minify: true,
    lambda: true,
    keyStores: false,
  },
];

/** Entries built by a plain `npm run build`; the benches are built by `npm run bench` and `npm run bench:cold` only. */
const DEFAULT_ENTRIES = ['cli', 'authorizer', 'authorizer-runtime', 'api'];

// An ESM bundle has no `require`; this gives it one for dependencies that call it (the CLI's).
// Lambda bundles get it only when esbuild had to leave a require in them, since creating it costs
// about half a millisecond of every cold start.
const REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
const NEEDS_REQUIRE = 'Dynamic require of "';

// A Lambda function's key stores (lib/adapters/aws-lambda/secrets-manager-store.ts, with the cache,
// the record parser and the SDK client it builds; mauth-key-service-store.ts beside it, with the
// cache, the record parser and the MAuth key service client) are files of their own beside the
// function's bundle, imported by key-stores.ts on the first lookup: a configuration without a store
// neither loads nor parses them. The deployed authorizer gets one only when its configuration names
// such a store.
const LAZY_STORES = [
  {
    type: 'secrets-manager',
    entry: 'lib/adapters/aws-lambda/secrets-manager-store.ts',
    specifier: /[\\/]secrets-manager-store\.ts$/,
    file: 'secrets-manager.mjs',
  },
  {
    type: 'mauth-key-service',
    entry: 'lib/adapters/aws-lambda/mauth-key-service-store.ts',
    specifier: /[\\/]mauth-key-service-store\.ts$/,
    file: 'mauth-key-service.mjs',
  },
];
export const KEY_STORE_FILE = LAZY_STORES[0].file;
export const KEY_STORE_FILES = LAZY_STORES.map((s) => s.file);
const keyStoreFile = {
  name: 'key-store-file',
  setup(b) {
    b.onResolve({ filter: /[\\/](secrets-manager|mauth-key-service)-store\.ts$/ }, (args) => {
      const store = LAZY_STORES.find((s) => s.specifier.test(args.path));
      return args.kind === 'dynamic-import' && store ? { path: `./${store.file}`, external: true } : undefined;
    });
  },
};

// The stand-in module the build replaces with the validated configuration (see functions/prevalidated-config.ts).
const PREVALIDATED_MODULE = /[\\/]functions[\\/]prevalidated-config\.ts$/;
const NOT_BUILT = 'functions/prevalidated-config.ts is replaced by infra/build.mjs';

let validator;
/** lib/config's loadConfig, bundled for the build: the very code and schemas the runtime would validate with. */
function configValidator() {
  validator ??= esbuild
    .build({
      absWorkingDir: root,
      stdin: { contents: "export { loadConfig } from './lib/config/index.ts';", resolveDir: root, loader: 'ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      conditions: [SOURCE_CONDITION, 'node'],
      logLevel: 'warning',
    })
    .then((r) => import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].contents).toString('base64')}`));
  return validator;
}

/**
 * Reads and validates the configuration file for the authorizer's bundle with the library's own
 * loadConfig: the document it outputs (defaults filled in) and the SHA-256 of the file's bytes.
 *
 * @throws Error naming the file and each invalid field (never a value from the document), so an
 * invalid configuration fails the build.
 */
export async function prevalidatedConfig(file) {
  const path = resolve(root, file);
  const shown = relative(root, path).startsWith('..') ? path : relative(root, path);
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`AUTH_CONFIG_FILE ${shown}: cannot read it (${e.code ?? e.message})`);
  }
  const { loadConfig } = await configValidator();
  let config;
  try {
    config = loadConfig(bytes.toString('utf8'));
  } catch (e) {
    throw new Error(`AUTH_CONFIG_FILE ${shown}: ${e.message}`);
  }
  return { file: shown, config, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The module that stands in for functions/prevalidated-config.ts: data only, parsed from a string literal. */
/**
 * The module that replaces functions/prevalidated-config.ts in the authorizer's bundle: the validated
 * configuration, its file's SHA-256, and the implementations of the schemes it turns on, imported one
 * by one (lib/schemes/<id>/implementation.ts exports `<id in camelCase>Implementation`), so a bundle
 * carries only the schemes its configuration uses.
 */
function prevalidatedModule({ config, sha256 }) {
  const ids = Object.keys(config.schemes).filter((id) => config.schemes[id] !== undefined);
  const imports = ids.map((id, i) => {
    const name = `${id.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase())}Implementation`;
    const file = resolve(root, 'lib', 'schemes', id, 'implementation.ts');
    return `import { ${name} as i${i} } from ${JSON.stringify(file)};`;
  });
  return `${imports.join('\n')}
export const prevalidated = {
  config: JSON.parse(${JSON.stringify(JSON.stringify(config))}),
  sha256: ${JSON.stringify(sha256)},
  implementations: [${ids.map((_, i) => `i${i}`).join(', ')}],
};
`;
}

function writeAtomically(file, contents) {
  mkdirSync(dirname(file), { recursive: true });
  // Tests build the same bundles in parallel: a rename never lets a reader see half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/**
 * Builds the named entries (default: cli, authorizer, authorizer-runtime, api).
 *
 * Options: `authConfigFile`, the configuration the authorizer is built with (default
 * AUTH_CONFIG_FILE from the environment, else the demo's), relative to the project; `outDir`, where
 * the `build/` outputs go instead (tests). An invalid or unreadable configuration rejects, and
 * removes any authorizer bundle already there, so nothing stale is left to deploy.
 */
export async function build(names = DEFAULT_ENTRIES, options = {}) {
  const results = {};
  const authConfigFile = options.authConfigFile ?? (process.env.AUTH_CONFIG_FILE || DEMO_LAMBDA_CONFIG);
  for (const e of ENTRIES.filter((x) => names.includes(x.name))) {
    const outfile = options.outDir ? join(options.outDir, relative('build', e.outfile)) : e.outfile;
    const plugins = e.lambda && e.keyStores !== false ? [keyStoreFile] : [];
    let baked;
    if (e.prevalidated) {
      try {
        baked = await prevalidatedConfig(authConfigFile);
      } catch (err) {
        rmSync(resolve(root, outfile), { force: true });
        for (const store of LAZY_STORES) rmSync(resolve(root, join(dirname(outfile), store.file)), { force: true });
        throw err;
      }
      plugins.push({
        name: 'prevalidated-config',
        setup(b) {
          b.onLoad({ filter: PREVALIDATED_MODULE }, () => ({ contents: prevalidatedModule(baked), loader: 'js', resolveDir: root }));
        },
      });
    }
    const run = (banner, entry = e.entry, file = outfile, entryPlugins = plugins) =>
      esbuild.build({
        absWorkingDir: root,
        entryPoints: [entry],
        outfile: file,
        bundle: true,
        format: 'esm',
        platform: e.platform,
        target: e.lambda ? 'node22' : 'node20',
        // The benches import infra scripts that run themselves when they are the main module: bundled into
        // build/bench*.mjs they would take it for themselves, so they stay files of their own.
        // The CLI imports the AWS SDK only for `keys --to/--from secrets-manager`, from the project's node_modules.
        external: e.lambda || e.name === 'cli' ? ['@aws-sdk/*'] : e.name.startsWith('bench') ? ['esbuild', '../infra/*', '@aws-sdk/*'] : [],
        conditions: [SOURCE_CONDITION, ...e.conditions],
        minify: e.minify,
        sourcemap: e.lambda ? false : 'linked',
        metafile: true,
        logLevel: 'warning',
        legalComments: 'none',
        write: !e.lambda,
        plugins: entryPlugins,
        banner: banner ? { js: REQUIRE_BANNER } : {},
      });
    let r = await run(e.platform === 'node' && !e.lambda);
    if (e.lambda) {
      if (r.outputFiles[0].text.includes(NEEDS_REQUIRE)) r = await run(true);
      const text = r.outputFiles[0].text;
      if (e.prevalidated && text.includes(NOT_BUILT)) {
        rmSync(resolve(root, outfile), { force: true });
        throw new Error(`${e.entry}: the validated configuration did not replace its stand-in`);
      }
      writeAtomically(resolve(root, outfile), r.outputFiles[0].contents);
      for (const lazy of e.keyStores === false ? [] : LAZY_STORES) {
        const storeFile = join(dirname(outfile), lazy.file);
        if (!e.prevalidated || baked.config.keyStores.some((s) => s.type === lazy.type)) {
          let store = await run(false, lazy.entry, storeFile, []);
          if (store.outputFiles[0].text.includes(NEEDS_REQUIRE)) store = await run(true, lazy.entry, storeFile, []);
          writeAtomically(resolve(root, storeFile), store.outputFiles[0].contents);
        } else {
          rmSync(resolve(root, storeFile), { force: true });
        }
      }
    }
    results[e.name] = r.metafile;
  }
  return results;
}

// Run directly: `node infra/build.mjs [names...]`. Not when esbuild has bundled this file into a
// bench, where import.meta.url is the bench's own file.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && import.meta.url.endsWith('/infra/build.mjs')) {
  const names = process.argv.slice(2);
  try {
    await build(names.length ? names : undefined);
    if (names.length === 0 || names.includes('authorizer')) {
      const file = process.env.AUTH_CONFIG_FILE || DEMO_LAMBDA_CONFIG;
      const demo = resolve(root, file) === resolve(root, DEMO_LAMBDA_CONFIG);
      console.error(
        `build/lambda/authorizer: built with the configuration in ${file}, validated` +
          (demo ? ' (the demo configuration, whose secrets are public: set AUTH_CONFIG_FILE to build with yours)' : ''),
      );
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
