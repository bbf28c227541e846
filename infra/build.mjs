// Bundles the deployable and runnable entry points with esbuild. Run directly (`npm run build`) or
// import { build } from bin/edge-auth.js, which builds the CLI on first use.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The package.json condition under which `#crypto` resolves to the TypeScript sources in lib/
 * rather than the compiled dist/ files a consumer gets. Every tool that runs the sources passes it
 * (esbuild here, tsconfig.json `customConditions`, vitest.config.ts, wrangler.toml `alias`).
 */
export const SOURCE_CONDITION = 'edge-authorizer-source';

/** Each entry: source, output, platform and the package.json `imports` conditions it resolves with. */
export const ENTRIES = [
  { name: 'cli', entry: 'lib/cli/run.ts', outfile: 'build/cli.mjs', platform: 'node', conditions: ['node'], minify: false },
  { name: 'bench', entry: 'bench/sigv4.bench.ts', outfile: 'build/bench.mjs', platform: 'node', conditions: ['node'], minify: false },
  // Lambda (nodejs22.x): minified ESM, one folder per function so each deploys only its own code.
  // The AWS SDK v3 is left external: the runtime ships it, and nothing here needs a newer one.
  {
    name: 'authorizer',
    entry: 'functions/authorizer.ts',
    outfile: 'build/lambda/authorizer/index.mjs',
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
  },
];

/** Entries built by a plain `npm run build`; the bench is built by `npm run bench` only. */
const DEFAULT_ENTRIES = ['cli', 'authorizer', 'api'];

export async function build(names = DEFAULT_ENTRIES) {
  const results = {};
  for (const e of ENTRIES.filter((x) => names.includes(x.name))) {
    const r = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [e.entry],
      outfile: e.outfile,
      bundle: true,
      format: 'esm',
      platform: e.platform,
      target: e.lambda ? 'node22' : 'node20',
      // The bench imports infra scripts that run themselves when they are the main module: bundled into
      // build/bench.mjs they would take it for themselves, so they stay files of their own.
      external: e.lambda ? ['@aws-sdk/*'] : e.name === 'bench' ? ['esbuild', '../infra/*'] : [],
      conditions: [SOURCE_CONDITION, ...e.conditions],
      minify: e.minify,
      sourcemap: e.lambda ? false : 'linked',
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
      banner:
        e.platform === 'node' ? { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } : {},
    });
    results[e.name] = r.metafile;
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
}
