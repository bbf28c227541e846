/**
 * `npm run bench`: SigV4 verification per request on Node, beside peers and the floor measured in the
 * same run, the signing-key cache under many keys, the worst inputs, the Lambda cold start and the
 * package size. Writes BENCHMARKS.md.
 *
 * Every case runs in fresh processes (BENCH_RUNS, default 5), interleaved: run 1 of every case, then
 * run 2 of every case, and so on, so drift on a shared machine hits all cases alike. Inside a process a
 * case warms up, then takes BENCH_SAMPLES samples; the process reports their median. No forced GC
 * anywhere near the timed loops; every call gets a fresh request built outside the timed loop.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldStartEvent, coldStartSection } from './cold-start.ts';
import { mauthSection } from './mauth-section.ts';
import { ustudioSection } from './ustudio-section.ts';
import { jwtSection } from './jwt-section.ts';
import { apikeySection } from './apikey-section.ts';
import { lambdaSection } from './lambda-section.ts';
import { keepOtherSections, measurePackage, packageSizeMarkdown, spliceSection } from './package-size.ts';
import { BODY, buildCases, WORST_LIMITS, type Case } from './sigv4-cases.ts';
import { fmt, median, span, spread, target, type Spread } from './stats.ts';

const BENCHMARKS_FILE = new URL('../BENCHMARKS.md', import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 20);
const GROUPS = ['main', 'mauth', 'ustudio', 'apikey', 'jwt', 'lambda', 'rotation', 'worst', 'keystore'] as const;

// --- one case in this process (`--child <group> <index>`) ---------------------------------------
interface ChildResult {
  readonly samples: number[];
  /** Rotation cases: heap bytes retained by verifying every key once (after a GC outside the timed loop). */
  readonly heapBytes?: number;
}

/**
 * Runs `c` for at least `ms` (and `minOps` calls) in small batches: each batch's inputs are made
 * (untimed) just before it runs, so few requests are alive at once, as on a server that reads a
 * request and handles it. Returns µs per call over the timed batches only.
 */
async function sample(c: Case, ms: number, minOps: number): Promise<{ perOp: number; ops: number }> {
  const batch = c.worst ? 1 : 32;
  let ns = 0;
  let ops = 0;
  while (ns < ms * 1e6 || ops < minOps) {
    const inputs = Array.from({ length: batch }, () => c.make());
    const t0 = process.hrtime.bigint();
    for (const x of inputs) {
      const out = c.run(x);
      if (out instanceof Promise) await out;
    }
    ns += Number(process.hrtime.bigint() - t0);
    ops += batch;
  }
  return { perOp: ns / 1e3 / ops, ops };
}

async function runChild(group: Case['group'], index: number): Promise<ChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const c = (await buildCases(group))[index]!;
  const first = await c.run(c.make());
  if (c.expect && !c.expect(first)) throw new Error(`${c.name}: the benchmark input does not give the expected outcome`);
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  // Warm up for a second (JIT, caches), and through every key of a rotation case at least twice.
  await sample(c, 1000, 2 * (c.keys ?? 0));
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) samples.push((await sample(c, SAMPLE_MS, 3)).perOp);
  let heapBytes: number | undefined;
  if (c.keys && gc) {
    gc();
    heapBytes = process.memoryUsage().heapUsed - heapBefore;
  }
  return { samples, ...(heapBytes !== undefined ? { heapBytes } : {}) };
}

if (process.argv[2] === '--child') {
  const result = await runChild(process.argv[3] as Case['group'], Number(process.argv[4]));
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

// `npm run bench -- --package-size`: only the package section, spliced into the existing BENCHMARKS.md.
if (process.argv.includes('--package-size')) {
  const section = packageSizeMarkdown(await measurePackage());
  writeFileSync(BENCHMARKS_FILE, spliceSection(readFileSync(BENCHMARKS_FILE, 'utf8'), section));
  console.log(section);
  process.exit(0);
}

// --- the orchestrator ----------------------------------------------------------------------------
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const all: Array<{ group: Case['group']; index: number; c: Case }> = [];
for (const group of GROUPS) (await buildCases(group)).forEach((c, index) => all.push({ group, index, c }));
const chosen = only ? all.filter((x) => only.test(x.c.name)) : all;

function spawnChild(group: string, index: number): ChildResult {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', group, String(index)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`benchmark process for ${group}#${index} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

/** Per case: the median µs/op of each run (one fresh process each), and the heap each rotation run kept. */
const perRun = new Map<Case, number[]>(chosen.map((x) => [x.c, []]));
const heap = new Map<Case, number[]>();
const started = Date.now();
for (let run = 0; run < RUNS; run++) {
  for (const { group, index, c } of chosen) {
    const r = spawnChild(group, index);
    perRun.get(c)!.push(median(r.samples));
    if (r.heapBytes !== undefined) heap.set(c, [...(heap.get(c) ?? []), r.heapBytes]);
  }
  console.error(`run ${run + 1}/${RUNS} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const runsOf = (name: string) => {
  const c = chosen.find((x) => x.c.name.startsWith(name))?.c;
  if (!c) throw new Error(`no case named ${name}`);
  return perRun.get(c)!;
};
/** A ratio per run (the two cases measured side by side in that run), then its median, min and max. */
const ratio = (a: string, b: string): Spread => {
  const xs = runsOf(a);
  const ys = runsOf(b);
  return spread(xs.map((x, i) => x / ys[i]!));
};

if (only) {
  for (const { c } of chosen) {
    const s = spread(perRun.get(c)!);
    console.log(`${c.name}: median ${s.median.toFixed(2)} µs/op (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)})`);
  }
  process.exit(0);
}

const OURS = 'edge-authorizer verify (node:crypto backend)';
const FLOOR = 'floor: node:crypto from the request';
const main = chosen.filter((x) => x.group === 'main').map((x) => x.c);
const oursRuns = runsOf(OURS);
const table = [
  '| case | median µs/op | min – max of the runs | ops/s | ratio to our verify (median, min – max) |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...main.map((c) => {
    const s = spread(perRun.get(c)!);
    const r = spread(perRun.get(c)!.map((x, i) => x / oursRuns[i]!));
    return `| ${c.name} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${Math.round(1e6 / s.median).toLocaleString('en-US')} | ${span(r)} |`;
  }),
].join('\n');

const vsFloor = ratio(OURS, FLOOR);
const vsSmithy = ratio(OURS, '@smithy/signature-v4 sign (@smithy/hash-node)');
const missVsFloor = ratio('edge-authorizer verify, signing key not cached', 'floor, signing key derived each time');

// Rotation: the cost of N keys against one key, run by run, and the heap each key keeps.
const rotation = chosen.filter((x) => x.group === 'rotation').map((x) => x.c);
/** A group's section, rendered from the names of its measured cases; '' when none of them was measured. */
const groupSection = (group: Case['group'], render: (names: string[]) => string): string => {
  const names = chosen.filter((x) => x.group === group).map((x) => x.c.name);
  return names.length > 0 ? render(names) : '';
};
const mauthMd = groupSection('mauth', (names) => mauthSection(runsOf, names, BODY.length));
const ustudioMd = groupSection('ustudio', (names) => ustudioSection(runsOf, names, BODY.length));
const apikeyMd = groupSection('apikey', (names) => apikeySection(runsOf, names));
const jwtMd = groupSection('jwt', (names) => jwtSection(runsOf, names));
const lambdaMd = groupSection('lambda', (names) => lambdaSection(runsOf, names));
const oneKey = rotation.find((c) => c.keys === 1);
const rotationTable = [
  '| keys in rotation | median µs/op | min – max of the runs | ratio to one key (median, min – max) | heap kept per key |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...rotation.map((c) => {
    const s = spread(perRun.get(c)!);
    const r = oneKey ? spread(perRun.get(c)!.map((x, i) => x / perRun.get(oneKey)![i]!)) : undefined;
    const h = heap.get(c);
    return `| ${c.keys!.toLocaleString('en-US')} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${r ? span(r) : 'n/a'} | ${h ? `${Math.round(median(h) / c.keys!).toLocaleString('en-US')} B` : 'n/a'} |`;
  }),
].join('\n');
const tenThousand = rotation.find((c) => c.keys === 10_000);
const rotationRatio = tenThousand && oneKey ? spread(perRun.get(tenThousand)!.map((x, i) => x / perRun.get(oneKey)![i]!)) : undefined;

// Worst cases, against the ordinary verify through the authenticator (the first worst case).
const worst = chosen.filter((x) => x.group === 'worst').map((x) => x.c);
const ordinaryWorst = worst[0] ? perRun.get(worst[0])! : [];
const worstTable = [
  '| worst-case input | size | outcome | median µs/op | min – max of the runs | ns per input byte | ratio to ordinary verify |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  ...worst.map((c) => {
    const s = spread(perRun.get(c)!);
    const r = spread(perRun.get(c)!.map((x, i) => x / ordinaryWorst[i]!));
    return `| ${c.name} | ${c.worst!.input} | ${c.worst!.outcome} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${fmt((s.median * 1000) / c.worst!.bytes)} | ${fmt(r.median, 1)} |`;
  }),
].join('\n');
const worstNamed = (part: string) => spread(perRun.get(worst.find((c) => c.name.includes(part))!)!);
const pairs16 = worstNamed('default 16 KiB URL limit of one-character pairs');
const pairs64 = worstNamed('maxUrlBytes of one-character pairs');
const pairsBytes = (part: string) => worst.find((c) => c.name.includes(part))!.worst!.bytes;

// Key stores: the warm-cache verify against the inline-key verify (same request, run by run), and a
// cache miss against one bare SDK call to the same local endpoint.
const keystore = chosen.filter((x) => x.group === 'keystore').map((x) => x.c);
const keystoreTable = [
  '| case | median µs/op | min – max of the runs | ratio (median, min – max) | ratio to |',
  '| --- | ---: | ---: | ---: | --- |',
  ...keystore.map((c, i) => {
    const s = spread(perRun.get(c)!);
    const base = i === 0 ? oursRuns : runsOf('one bare SDK GetSecretValue call');
    const r = spread(perRun.get(c)!.map((x, j) => x / base[j]!));
    return `| ${c.name} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${fmt(r.median)} (${fmt(r.min)} – ${fmt(r.max)}) | ${i === 0 ? 'the inline-key verify' : 'one bare SDK call'} |`;
  }),
].join('\n');
const warmVsInline =
  keystore.length > 0 ? ratio('edge-authorizer verify, key in Secrets Manager behind the cache (warm)', OURS) : undefined;

const floorSource = readFileSync(new URL('../bench/floor.ts', import.meta.url), 'utf8');
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const md = `# Benchmarks

Generated by \`npm run bench\` (bench/sigv4.bench.ts) on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpu}, ${cpus().length} cores.
Numbers from a shared 2-core machine: compare ratios measured side by side, not absolute figures.

## SigV4 verification per request

The request: \`POST /prod/items/42?limit=10&sort=asc\` with host, content-type, accept, x-request-id,
x-amz-date and x-amz-content-sha256 signed, and a ${BODY.length}-byte JSON body. "Our verify" is the full
path a Worker or Lambda runs: parse the Authorization header, check scope and time, look the key up in
the in-memory store, hash the body, canonicalize, hash, HMAC with the cached signing key, compare in
constant time. Peers sign the same request (signing is the same work as verifying, minus parsing and
the key lookup). The floor is the same check in bare \`node:crypto\` with the least code that can
(its code is below); "crypto only" hashes and signs the canonical request our verifier builds, given
as text. Every case is checked to accept (or, for signers, to run) before it is measured.

Method: every call gets a fresh request, as a server hands one over: rebuilt from the request's wire
text (new strings, a new header list, a new body buffer) outside the timed loop, for our verify and the
floor alike, 32 at a time just before they are handled, so that few requests are alive at once (a
batch of a thousand prebuilt requests made every scavenge copy them all, and inflated every figure by
several µs). Each case runs in its own fresh Node process, ${RUNS} times, interleaved (run 1 of every case,
then run 2, ...); a process warms the case up for a second, then takes ${SAMPLES} samples of at least
${SAMPLE_MS} ms of timed batches and reports their median. No forced GC. The table gives the median over the runs and the
range of the runs; a ratio is taken run by run (the two cases measured minutes apart at most) and
summarised the same way.

${table}

Targets:

${target('our verify ÷ the node:crypto floor (the same check from the same fresh request, key cached)', vsFloor, 1.3)}
${target('our verify ÷ @smithy/signature-v4 signing the same request (node:crypto hash)', vsSmithy, 0.35)}
- a signing-key cache miss ÷ the floor deriving its key each time: **${fmt(missVsFloor.median)}** (runs ${fmt(missVsFloor.min)} – ${fmt(missVsFloor.max)})
- Web Crypto backend on Node ÷ node:crypto backend: ${fmt(ratio('edge-authorizer verify (Web Crypto', OURS).median)} (why Node and Lambda use the node:crypto backend)

The floor (bench/floor.ts):

\`\`\`ts
${floorSource.trim()}
\`\`\`

${mauthMd}${ustudioMd}${apikeyMd}${jwtMd}${lambdaMd}## Signing keys under many keys

The derived signing key is cached in a slot of its key record (a few entries: one per secret and
algorithm for the two most recent dates), so the cache holds as many keys as the store holds records
and has no size at which it is cleared. Requests signed by N different keys, taken in turn, each a
fresh request; "heap kept per key" is the heap the process holds after verifying every key (after a GC,
outside the timed loop), less what it held before, divided by N: the key record's slot with its derived
key, nothing else grows.

${rotationTable}
${rotationRatio ? `\n${target('10,000 keys in rotation ÷ one key', rotationRatio, 1.3)}\n` : ''}
## Keys in a key store

The same request and verify as the first table, with the key in AWS Secrets Manager behind the key
cache (lib/keys/cache.ts) instead of inline, loaded once with \`hydrate()\` from the local endpoint,
which is then closed (the key stays cached for the 300 s TTL, longer than a run; a server in the same
process made the verify about 10% slower, which is the server's cost, not the cache's): a warm cache does
no store I/O on the hot path, so it should cost what the inline-key verify costs. A cache miss is one lookup
through the cache and the Secrets Manager source with the real SDK client, against a local endpoint
on 127.0.0.1 in the same process (test/helpers/secrets-manager-endpoint.ts, which checks the SigV4
signature of every call with our verifier, so its work is part of every miss and of the bare SDK
call alike); a miss reads AWSCURRENT, then AWSPENDING (unless \`pending\` is off), so about two
round trips. Real Secrets Manager adds network latency (milliseconds) to each call.

${keystoreTable}
${warmVsInline ? `\n- warm key-store cache ÷ inline keys: **${fmt(warmVsInline.median, 3)}** (runs ${fmt(warmVsInline.min, 3)} – ${fmt(warmVsInline.max, 3)}; equal within noise when the runs' range spans 1)\n` : ''}
## Worst-case inputs at each limit

Hostile requests as large as the limits let through (\`limits\` at the schema's maximum: URL
${WORST_LIMITS.maxUrlBytes / 1024} KiB, headers ${WORST_LIMITS.maxHeaderBytes / 1024} KiB and ${WORST_LIMITS.maxHeaderCount} of them; body at the default ${WORST_LIMITS.maxBodyBytes / 1024 / 1024} MiB), each
through the whole authenticator (limits, scheme detection, SigV4; the last row USTUDIO-HMAC-V2) as a fresh request object per
operation, measured as the cases above (fresh processes, interleaved, no forced GC; at least 3
operations per sample). "Signed" inputs carry a valid signature, so they go all the way through
canonicalization, hashing and the HMAC; the others are refused, and the outcome column says with what.

${worstTable}

What linear means here: for each kind of input the cost per byte stays the same however large the
input grows, so the worst request a limit lets through costs a bounded multiple of an ordinary
verification (the last column), never a power of its size. The one step that is not strictly linear
is the sort of the canonical query that SigV4 requires, n log n in the number of pairs: one-character
pairs are its worst case, ${fmt(pairs16.median / 1000)} ms at the default 16 KiB URL limit and ${fmt(pairs64.median / 1000)} ms at 64 KiB
(${fmt(pairs64.median / pairs16.median, 1)} times the cost for ${fmt(pairsBytes('maxUrlBytes of one-character pairs') / pairsBytes('default 16 KiB URL limit of one-character pairs'), 1)} times the input).
USTUDIO-HMAC-V2 sorts its query too; its worst order for a quadratic sort (distinct keys, descending)
is the last row: its sort is n log n past 32 pairs (an insertion sort over every pair took 577 ms
there on 2026-12-04).
`;

// --- Lambda cold start -------------------------------------------------------------------------
const cold = coldStartSection(ROOT, await coldStartEvent());
const sections = [md, cold, packageSizeMarkdown(await measurePackage())];
// Sections other benches write (bench:edge, bench:workerd) are kept as they are.
const out = keepOtherSections(readFileSync(BENCHMARKS_FILE, 'utf8'), sections.join('\n'));
writeFileSync(BENCHMARKS_FILE, out);
console.log(md);

// --- under workerd: the Web Crypto backend beside a Web Crypto floor (bench/workerd.ts splices its section) --
const workerd = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'bench', 'workerd.ts')], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
});
if (workerd.status !== 0) throw new Error('the workerd bench failed');
