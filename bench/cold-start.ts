/**
 * Lambda cold start: each handler's bundle size and the time a fresh Node process takes to import
 * it and to answer a first authorization, for the authorizer as deployed (configuration validated
 * at build time), the authorizer that validates its configuration at run time, a floor handler (the
 * least code that does the job's unavoidable work: load node:crypto, parse the configuration, one
 * HMAC) and an empty one. One process per sample, as a cold Lambda container is one fresh process;
 * samples are taken in rounds, one of each handler per round, so drift hits every handler alike.
 *
 * `npm run bench:cold` writes the "## Lambda cold start" section of BENCHMARKS.md on its own;
 * `npm run bench` includes {@link coldStartSection}.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spread, type Spread } from './stats.ts';
import type { RestAuthorizerEvent } from '../lib/adapters/aws-lambda/events.ts';
import { createSigV4Signer } from '../lib/schemes/sigv4/signer.ts';
import { spliceSection } from './package-size.ts';

/** Median, fastest and slowest of a handler's samples, in milliseconds. */
export type ColdStartStats = Spread;

/** One handler's bundle and timings; `importMs` and `firstCallMs` are the medians. */
export interface ColdStartResult {
  /** empty, empty-cold-loader, log, floor, floor-esm, authorizer or authorizer-runtime. */
  readonly id: string;
  readonly name: string;
  /** The bundle, relative to the project. */
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** From before `import()` to the module being ready. */
  readonly import: ColdStartStats;
  /** From before `import()` to the first call's answer. */
  readonly firstCall: ColdStartStats;
  readonly importMs: number;
  readonly firstCallMs: number;
  readonly samples: number;
}

/** The demo configuration every handler is measured with (its key signs the event). */
const DEMO_CONFIG = join('infra', 'lambda-demo-config.json');

/** The handlers measured: name, bundle (relative to the project), whether its first call must be a real allow. */
const HANDLERS = [
  { id: 'empty', name: 'empty handler', file: 'build/lambda/empty/index.mjs', allow: false },
  {
    id: 'empty-cold-loader',
    name: 'empty handler, ESM loader not warmed (what every row would add)',
    file: 'build/lambda/empty/index.mjs',
    allow: false,
    coldLoader: true,
  },
  { id: 'log', name: 'empty handler that logs one line (console.log)', file: 'build/lambda/empty-log/index.mjs', allow: false },
  { id: 'floor', name: 'floor: node:crypto, the JSON configuration, one HMAC', file: 'build/lambda/floor/index.mjs', allow: false },
  {
    id: 'floor-esm',
    name: 'floor with ESM imports (`import … from "node:crypto"`)',
    file: 'build/lambda/floor-esm/index.mjs',
    allow: false,
  },
  {
    id: 'authorizer',
    name: 'authorizer, configuration validated at build time (deployed)',
    file: 'build/lambda/authorizer/index.mjs',
    allow: true,
  },
  {
    id: 'authorizer-runtime',
    name: 'authorizer-runtime, AUTH_CONFIG_FILE validated at run time',
    file: 'build/lambda/authorizer-runtime/index.mjs',
    allow: true,
  },
] as const;

// The floor loads its builtins as our bundles do (process.getBuiltinModule, the cheaper way), so it
// is the least the job costs; floor-esm shows what the usual ESM imports add.
const FLOOR = `const { createHmac } = process.getBuiltinModule('node:crypto');
const { readFileSync } = process.getBuiltinModule('node:fs');
const config = JSON.parse(readFileSync(process.env.AUTH_CONFIG_FILE, 'utf8'));
export const handler = async (event) => ({
  principalId: 'floor',
  context: { mac: createHmac('sha256', config.keys[0].secret).update(event.headers.Authorization ?? '').digest('hex') },
});
`;
const FLOOR_ESM = `import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
const config = JSON.parse(readFileSync(process.env.AUTH_CONFIG_FILE, 'utf8'));
export const handler = async (event) => ({
  principalId: 'floor',
  context: { mac: createHmac('sha256', config.keys[0].secret).update(event.headers.Authorization ?? '').digest('hex') },
});
`;
const EMPTY = 'export const handler = async () => ({ isAuthorized: true });\n';
// Imported before the clock starts: the Lambda runtime is an ES module itself and imports the
// handler with its module loader already running, so a sample should not charge the loader's own
// start (a few milliseconds, the same for every handler) to the handler.
const WARM_UP = 'build/lambda/warm-up/index.mjs';
const EMPTY_LOG =
  "export const handler = async () => (console.log(JSON.stringify({ event: 'authorizer.allow' })), { isAuthorized: true });\n";

/**
 * The event every sample answers: a REST API REQUEST authorizer event for `GET /prod/items`, signed
 * now with the demo configuration's first key (so the authorizers must allow it).
 *
 * @example
 * const section = coldStartSection(root, await coldStartEvent());
 */
export async function coldStartEvent(): Promise<RestAuthorizerEvent> {
  const signer = createSigV4Signer({
    keyId: 'AKIDEMO00000000000001',
    secret: 'demo-only-secret-do-not-use-in-production-1',
    region: 'us-east-1',
    service: 'execute-api',
  });
  const signed = await signer.sign({
    method: 'GET',
    path: '/prod/items',
    query: '',
    headers: [['Host', 'api.example.com']],
    body: new Uint8Array(),
  });
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items',
    path: '/items',
    httpMethod: 'GET',
    headers: Object.fromEntries(signed.headers),
    requestContext: { path: '/prod/items', stage: 'prod' },
  };
}

function sample(
  file: string,
  event: unknown,
  env: NodeJS.ProcessEnv,
  warmUp: string | undefined,
): { importMs: number; firstCallMs: number; principalId: string | null } {
  const script = `${warmUp ? `await import(${JSON.stringify('file://' + warmUp)});` : ''}
    const t0 = performance.now();
    const m = await import(${JSON.stringify('file://' + file)});
    const t1 = performance.now();
    let principalId = null;
    try { principalId = (await m.handler(${JSON.stringify(event)})).principalId ?? null; } catch {}
    const t2 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t0, principalId }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`cold start sample failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/**
 * Builds the two authorizer bundles (with the demo configuration), writes the empty and floor
 * handlers, and measures each: `samples` fresh processes per handler, in rounds (one of each
 * handler per round, starting one handler further each round), after one warm-up round for the
 * file system cache.
 *
 * @throws Error when a build or a sample fails, or when an authorizer's first call is not an allow
 * (its time would then measure a failure path).
 * @example
 * const results = measureColdStart(root, await coldStartEvent());
 */
export function measureColdStart(root: string, event: unknown, samples = 15): ColdStartResult[] {
  const { AUTH_CONFIG: _text, AUTH_CONFIG_FILE: _file, ...inherited } = process.env;
  const env = { ...inherited, AUTH_CONFIG_FILE: resolve(root, DEMO_CONFIG) };
  const built = spawnSync(process.execPath, [join(root, 'infra', 'build.mjs'), 'authorizer', 'authorizer-runtime'], {
    cwd: root,
    encoding: 'utf8',
    env,
  });
  if (built.status !== 0) throw new Error(`cold start: the build failed: ${built.stderr}`);
  const written: Array<[string, string]> = [
    ['empty', EMPTY],
    ['empty-log', EMPTY_LOG],
    ['floor', FLOOR],
    ['floor-esm', FLOOR_ESM],
    ['warm-up', 'export {};\n'],
  ];
  for (const [id, text] of written) {
    mkdirSync(join(root, 'build', 'lambda', id), { recursive: true });
    writeFileSync(join(root, 'build', 'lambda', id, 'index.mjs'), text);
  }
  const warmUp = join(root, WARM_UP);
  const take = (h: (typeof HANDLERS)[number]) => sample(join(root, h.file), event, env, 'coldLoader' in h ? undefined : warmUp);
  const runs = HANDLERS.map(() => [] as Array<ReturnType<typeof sample>>);
  for (const h of HANDLERS) take(h); // warm the file system cache
  for (let round = 0; round < samples; round++) {
    for (let k = 0; k < HANDLERS.length; k++) {
      const i = (round + k) % HANDLERS.length;
      runs[i]!.push(take(HANDLERS[i]!));
    }
  }
  return HANDLERS.map((h, i) => {
    if (h.allow && runs[i]!.some((r) => r.principalId !== 'demo-user')) throw new Error(`cold start: ${h.id} did not allow the event`);
    const file = join(root, h.file);
    const imports = spread(runs[i]!.map((r) => r.importMs));
    const firstCalls = spread(runs[i]!.map((r) => r.firstCallMs));
    return {
      id: h.id,
      name: h.name,
      file: h.file,
      bytes: statSync(file).size,
      gzipBytes: gzipSync(readFileSync(file)).length,
      import: imports,
      firstCall: firstCalls,
      importMs: imports.median,
      firstCallMs: firstCalls.median,
      samples,
    };
  });
}

/** The authorizer's import + first call over the floor's (medians) must be at most this (issue 8). */
export const COLD_START_TARGET = 1.5;

const kb = (b: number) => (b / 1024).toFixed(1);
const ms = (s: ColdStartStats) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/**
 * Measures the cold start ({@link measureColdStart}) and returns the whole `## Lambda cold start`
 * section of BENCHMARKS.md: the table and the authorizers' ratios to the floor.
 *
 * @throws Error as {@link measureColdStart} does.
 * @example
 * writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), coldStartSection(root, await coldStartEvent())));
 */
export function coldStartSection(root: string, event: unknown, samples = 15): string {
  const results = measureColdStart(root, event, samples);
  const byId = (id: string) => results.find((r) => r.id === id)!;
  const ratio = (id: string) => byId(id).firstCall.median / byId('floor').firstCall.median;
  const deployed = ratio('authorizer');
  const runtime = ratio('authorizer-runtime');
  const verdict = (x: number) => `**${x.toFixed(2)}** (target ≤ ${COLD_START_TARGET}: ${x <= COLD_START_TARGET ? 'met' : 'MISSED'})`;
  const rows = results.map((r) => `| ${r.name} | ${kb(r.bytes)} KiB | ${kb(r.gzipBytes)} KiB | ${ms(r.import)} | ${ms(r.firstCall)} |`);
  return `## Lambda cold start

Each sample is a fresh \`node\` process (${process.version}) that imports a handler's bundle and
answers one signed REST authorizer event (\`GET /prod/items\`, signed with the demo key of
\`${DEMO_CONFIG}\`, which \`AUTH_CONFIG_FILE\` names), timed from just before the import. Each
process first imports an empty module, so the ES module loader is already running, as it is when
the Lambda runtime (itself an ES module) imports a handler; the second row shows what the loader's
start would add to every row. ${samples} samples per handler, taken in rounds (one of each handler
per round, in rotating order) after a warm-up round. The authorizers' first calls are real allows
(checked on every sample).

- \`build/lambda/authorizer/index.mjs\` (deployed by serverless.yml and the SAM template) carries
  the configuration the build validated: at run time it reads \`AUTH_CONFIG_FILE\` only to check
  that it holds the same bytes, and loads no valibot.
- \`build/lambda/authorizer-runtime/index.mjs\` reads and validates \`AUTH_CONFIG_FILE\` (or
  \`AUTH_CONFIG\`) on its first call.
- The floor is the least code that does the job's unavoidable work: load node:crypto, read and
  parse the same configuration file, one HMAC-SHA256. It loads builtins with
  \`process.getBuiltinModule\` as our bundles do; the ESM-import floor and an empty handler that
  logs one line (what an authorizer that logged each allow would pay; ours logs only denies, 401s and
  errors unless LOG_ACCEPTED asks) are shown for comparison. Node creates its
  stdout stream on the first \`console.log\` (that row's difference from the empty handler); under
  the Lambda runtime, \`console.log\` writes to the runtime's log descriptor instead.

| handler | bundle | gzip | import ms: median (min–max) | import + first call ms: median (min–max) |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

- authorizer (deployed) ÷ floor, import + first call, medians: ${verdict(deployed)}
- authorizer-runtime ÷ floor: ${runtime.toFixed(2)}
`;
}

// `npm run bench:cold [-- --samples N]` (build/bench-cold.mjs), or this file run directly: only
// this section, spliced into the existing BENCHMARKS.md. Not when bundled into another bench.
if (/(?:bench-cold\.mjs|cold-start\.ts)$/.test(process.argv[1] ?? '')) {
  const root = new URL('..', import.meta.url).pathname;
  const file = join(root, 'BENCHMARKS.md');
  const at = process.argv.indexOf('--samples');
  const samples = at === -1 ? 15 : Number(process.argv[at + 1]);
  if (!Number.isInteger(samples) || samples < 1) throw new Error('--samples takes a positive integer');
  const section = coldStartSection(root, await coldStartEvent(), samples);
  writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), section));
  console.log(section);
}
