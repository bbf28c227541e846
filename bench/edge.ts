/**
 * `npm run bench:edge`: the Worker under load. Runs functions/worker.ts (bundled for workerd, the demo
 * configuration as AUTH_CONFIG, no ORIGIN_URL so it answers with its JSON echo) and a pass-through
 * Worker (a JSON 200 of the same shape for every request) and the floor Worker (bench/edge-floor-worker.ts:
 * the least code that verifies the same requests with crypto.subtle) under workerd through Miniflare,
 * each in its own workerd on 127.0.0.1, and loads them in turn with autocannon: a SigV4-signed GET
 * (200) and the same GET unsigned (401). Writes the section "## The Worker under load" of BENCHMARKS.md.
 *
 * Options: --runs N (interleaved runs, at least 3; default 5), --duration S (seconds per run;
 * default 5), --connections C (default 10), --warmup S (default 2), --log-accepted (also measure the
 * Worker with LOG_ACCEPTED=true), --no-write (print only).
 */
import autocannon from 'autocannon';
import { Miniflare } from 'miniflare';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { SignedRequest } from '../lib/core/request.ts';
import { createSigV4Signer } from '../lib/schemes/sigv4/index.ts';
import { bundleWorker } from '../test/helpers/workerd.ts';
import { spliceSection } from './package-size.ts';
import { median, spread } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'log-accepted': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const WARMUP = Number(args.warmup);
if (!Number.isInteger(RUNS) || RUNS < 3) throw new Error('--runs must be an integer of at least 3');
if (!Number.isInteger(DURATION) || DURATION < 1 || DURATION > 60) throw new Error('--duration must be 1..60 seconds');
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1) throw new Error('--connections must be a positive integer');
if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new Error('--warmup must be a whole number of seconds');

const BENCHMARKS_FILE = new URL('../BENCHMARKS.md', import.meta.url);
const CONFIG_TEXT = readFileSync(new URL('../infra/demo-config.json', import.meta.url), 'utf8');
const CONFIG = JSON.parse(CONFIG_TEXT) as {
  schemes: { sigv4: { region: string; service: string } };
  keys: Array<{ id: string; secret: string; principal: string; permissions?: string[] }>;
};
const KEY = CONFIG.keys[0]!;
const PATH = '/hello';
const QUERY = 'name=world';
const COMPATIBILITY_DATE = '2026-04-01'; // wrangler.toml's

// A Worker that does nothing but answer: the same JSON shape and size as our echo of a signed request.
const PASS_THROUGH = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    return Response.json({
      ok: true,
      principal: ${JSON.stringify(KEY.principal)},
      permissions: ${JSON.stringify(KEY.permissions ?? [])},
      scheme: 'sigv4',
      method: request.method,
      path: url.pathname,
    });
  },
};
`;

/** One workerd (through Miniflare) with one Worker, and the log lines it wrote. */
interface Target {
  readonly name: string;
  readonly mf: Miniflare;
  readonly url: URL;
  readonly logs: { accepted: number; rejected: number; other: number };
  /** The workerd process's id, where /proc tells (Linux), for its CPU time. */
  readonly pid: number | undefined;
}

/** `pid`'s parent, from /proc/<pid>/stat. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The workerd processes this one started (Miniflare spawns them as its children). */
function workerdChildren(): Set<number> {
  const found = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || parentOf(Number(entry)) !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('workerd')) found.add(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** User plus system CPU time of `pid` in ms (clock ticks of 10 ms), or undefined off Linux. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Counts the Worker's log lines by event, discarding them (wrangler dev prints them; here nobody reads them). */
function countLines(stream: Readable, logs: Target['logs']): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"auth.accepted"')) logs.accepted++;
      else if (line.includes('"auth.rejected"')) logs.rejected++;
      else if (line.trim() !== '') logs.other++;
    }
  });
}

async function startTarget(name: string, script: string, bindings: Record<string, string>): Promise<Target> {
  const logs = { accepted: 0, rejected: 0, other: 0 };
  const before = workerdChildren();
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      countLines(stdout, logs);
      countLines(stderr, logs);
    },
  });
  const url = await mf.ready;
  if (url.hostname !== '127.0.0.1') throw new Error(`${name} listens on ${url.host}, not loopback`);
  const started = [...workerdChildren()].filter((pid) => !before.has(pid));
  return { name, mf, url, logs, pid: started.length === 1 ? started[0] : undefined };
}

/** A request for `target`, signed now by the demo key (the verifier allows 900 s of skew), or unsigned. */
async function requestFor(target: Target, signed: boolean): Promise<Record<string, string>> {
  const draft: SignedRequest = { method: 'GET', path: PATH, query: QUERY, headers: [['host', target.url.host]] };
  if (!signed) return {};
  const signer = createSigV4Signer({
    keyId: KEY.id,
    secret: KEY.secret,
    region: CONFIG.schemes.sigv4.region,
    service: CONFIG.schemes.sigv4.service,
  });
  const r = await signer.sign(draft);
  // autocannon sends the Host header from the URL: the one signed.
  return Object.fromEntries(r.headers.filter(([n]) => n.toLowerCase() !== 'host'));
}

interface Run {
  readonly rps: number;
  /** workerd's CPU time per response in µs (undefined where /proc cannot tell). */
  readonly cpuUs: number | undefined;
  readonly p50: number;
  readonly p99: number;
  readonly responses: number;
  readonly bytesPerResponse: number;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/**
 * Loads `target` for `seconds` with one request, asserting every answer has `status`. Latencies are
 * taken per response from autocannon's events (its own histogram has 1 ms resolution and leaves out
 * non-2xx answers).
 */
function load(target: Target, headers: Record<string, string>, status: number, seconds: number): Promise<Run> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let bytes = 0;
  const cpuBefore = cpuMs(target.pid);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: new URL(`${PATH}?${QUERY}`, target.url).href, method: 'GET', headers, connections: CONNECTIONS, duration: seconds },
      (error, result) => {
        if (error) return reject(error);
        const wrong = [...statuses].filter(([s]) => s !== status);
        if (result.errors > 0 || result.timeouts > 0 || wrong.length > 0 || latencies.length === 0) {
          return reject(
            new Error(
              `${target.name}: expected only ${status}s, got ${JSON.stringify(Object.fromEntries(statuses))}, ${result.errors} errors, ${result.timeouts} timeouts`,
            ),
          );
        }
        const sorted = Float64Array.from(latencies).sort();
        const cpuAfter = cpuMs(target.pid);
        resolve({
          rps: latencies.length / result.duration,
          cpuUs: cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1000) / latencies.length,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          responses: latencies.length,
          bytesPerResponse: bytes / latencies.length,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, resBytes: number, ms: number) => {
      latencies.push(ms);
      bytes += resBytes;
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
  });
}

/** Checks one request end to end before the load: the status and, for a 200, the echo. */
async function check(target: Target, headers: Record<string, string>, status: number, echo: boolean): Promise<void> {
  const res = await fetch(new URL(`${PATH}?${QUERY}`, target.url), { headers });
  const body = await res.text();
  if (res.status !== status) throw new Error(`${target.name}: expected ${status}, got ${res.status}: ${body}`);
  if (echo) {
    const json = JSON.parse(body) as { ok?: boolean; principal?: string };
    if (json.ok !== true || json.principal !== KEY.principal) throw new Error(`${target.name}: unexpected echo ${body}`);
  }
}

// --- set up ------------------------------------------------------------------------------------
const loadBefore = loadavg()[0]!.toFixed(2);
const script = await bundleWorker('functions/worker.ts');
const ours = await startTarget('our Worker', script, { AUTH_CONFIG: CONFIG_TEXT });
const pass = await startTarget('pass-through', PASS_THROUGH, {});
const FLOOR_FILE = 'bench/edge-floor-worker.ts';
const floor = await startTarget('floor Worker', await bundleWorker(FLOOR_FILE), { AUTH_CONFIG: CONFIG_TEXT });
const logging = args['log-accepted']
  ? await startTarget('our Worker, LOG_ACCEPTED=true', script, { AUTH_CONFIG: CONFIG_TEXT, LOG_ACCEPTED: 'true' })
  : undefined;
const targets = [ours, pass, floor, ...(logging ? [logging] : [])];

const CASES = [
  { id: 'signed', label: 'signed GET (200)', signed: true, status: 200 },
  { id: 'unsigned', label: 'unsigned GET (401)', signed: false, status: 401 },
] as const;
/** What each worker answers in each case: ours and the floor verify; the pass-through answers 200 to anything. */
const statusOf = (target: Target, c: (typeof CASES)[number]) => (target === pass ? 200 : c.status);

const results = new Map<string, Run[]>(); // `${case}/${target}`
try {
  for (const c of CASES) {
    for (const t of targets) {
      const headers = await requestFor(t, c.signed);
      await check(t, headers, statusOf(t, c), statusOf(t, c) === 200);
      if (WARMUP > 0) await load(t, headers, statusOf(t, c), WARMUP);
    }
  }
  for (let run = 0; run < RUNS; run++) {
    for (const c of CASES) {
      // Interleaved, and each run starts with another worker, so drift and noise hit all alike.
      const order = targets.map((_, i) => targets[(i + run) % targets.length]!);
      for (const t of order) {
        const r = await load(t, await requestFor(t, c.signed), statusOf(t, c), DURATION);
        const key = `${c.id}/${t.name}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        process.stderr.write(
          `run ${run + 1}/${RUNS} ${c.label.padEnd(19)} ${t.name.padEnd(31)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  workerd ${r.cpuUs?.toFixed(0) ?? '?'} µs CPU/request\n`,
        );
      }
    }
  }
  // Give workerd a moment to flush the last log lines before they are counted.
  await new Promise((r) => setTimeout(r, 500));
} finally {
  for (const t of targets) await t.mf.dispose();
}

// --- report ------------------------------------------------------------------------------------
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => x.toFixed(2);
const range = (s: { median: number; min: number; max: number }, f: (x: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const runsOf = (c: string, t: Target) => results.get(`${c}/${t.name}`)!;
/** Per-run ratios: each run of `t` against the run of `base` (the pass-through) next to it in the same round. */
const ratios = (c: string, t: Target, base: Target = pass) => runsOf(c, t).map((r, i) => r.rps / runsOf(c, base)[i]!.rps);

const rows: string[] = [];
const summary: Record<string, ReturnType<typeof spread>> = {};
for (const c of CASES) {
  for (const t of [pass, floor, ours, ...(logging ? [logging] : [])]) {
    const runs = runsOf(c.id, t);
    const ratio = spread(ratios(c.id, t));
    if (t === ours) summary[c.id] = ratio;
    const cpuRuns = runs.map((r) => r.cpuUs).filter((x): x is number => x !== undefined);
    const cells = [
      c.label,
      t.name,
      range(spread(runs.map((r) => r.rps)), int),
      t === pass ? '1.00' : range(ratio, ms),
      range(spread(runs.map((r) => r.p50)), ms),
      range(spread(runs.map((r) => r.p99)), ms),
      cpuRuns.length === runs.length ? range(spread(cpuRuns), int) : 'n/a',
      int(median(runs.map((r) => r.bytesPerResponse))),
    ];
    rows.push(`| ${cells.join(' | ')} |`);
  }
}
const TARGET = 0.9;
const verdict = (s: { median: number }) => `**${ms(s.median)}** (target ≥ ${TARGET}: ${s.median >= TARGET ? 'met' : 'MISSED'})`;
const loadAfter = loadavg()[0]!.toFixed(2);
/** Median workerd CPU per request of `t` in case `c`, where /proc told it for every run. */
const cpuOf = (c: string, t: Target) => {
  const xs = runsOf(c, t).map((r) => r.cpuUs);
  return xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined;
};
const cpuParts = CASES.flatMap((c) => {
  const [o, f, p] = [cpuOf(c.id, ours), cpuOf(c.id, floor), cpuOf(c.id, pass)];
  return o === undefined || f === undefined || p === undefined
    ? []
    : [
        `${c.id} ${int(o)} µs, the floor Worker ${int(f)} µs, the pass-through ${int(p)} µs (${ms(o / p)}× and ${ms(f / p)}× the pass-through's)`,
      ];
});
const cpuLine = cpuParts.length ? `\n\nworkerd CPU per request (medians): ${cpuParts.join('; ')}.` : '';
/** A ratio's median and the range of its runs. */
const ratioText = (x: { median: number; min: number; max: number }) => `${ms(x.median)} (runs ${ms(x.min)}–${ms(x.max)})`;
const floorLines = CASES.map(
  (c) =>
    `- ${c.label}: the floor Worker ÷ the pass-through ${ratioText(spread(ratios(c.id, floor)))}; our Worker ÷ the floor Worker ${ratioText(spread(ratios(c.id, ours, floor)))}`,
).join('\n');
const floorSource = readFileSync(new URL('./edge-floor-worker.ts', import.meta.url), 'utf8').trimEnd();
const totalOurs = CASES.reduce((n, c) => n + runsOf(c.id, ours).reduce((m, r) => m + r.responses, 0), 0);
const logLine = logging
  ? ` With LOG_ACCEPTED=true the same Worker wrote ${int(logging.logs.accepted)} \`auth.accepted\` lines.`
  : ' Run with `-- --log-accepted` to add the Worker with LOG_ACCEPTED=true.';
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const require = createRequire(import.meta.url);
const workerdVersion = (require('workerd/package.json') as { version: string }).version;

const section = `## The Worker under load

Generated by \`npm run bench:edge\` (bench/edge.ts) on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpu}, ${cpus().length} cores, workerd ${workerdVersion} through Miniflare.

\`functions/worker.ts\`, bundled for workerd as wrangler bundles it, with \`infra/demo-config.json\` as
\`AUTH_CONFIG\` and no \`ORIGIN_URL\` (it answers with its JSON echo) and its logging default (every
rejection logged, accepted requests not), beside a pass-through Worker that answers every request
with a JSON 200 of the same shape and size. Each runs in its own workerd (Miniflare, compatibility
date ${COMPATIBILITY_DATE}) on 127.0.0.1 and is loaded by autocannon with ${CONNECTIONS} connections for ${DURATION} s per
run: \`GET ${PATH}?${QUERY}\` signed with SigV4 by \`${KEY.id}\` (signed afresh for each run; the echo
of the principal checked first, then every answer of the run must be a 200) and the same request
unsigned (every answer must be a 401; the pass-through answers it 200). The floor Worker (its code is
below) is the least code that answers those requests as ours must, with \`crypto.subtle\`: it verifies
the signature with the one key it knows, answers the same echo, and answers anything else with a 401
of the same shape, logged as one line (ours logs every rejection too); it parses, validates, routes and
times nothing. It shows what verifying at all costs a Worker, which no verifier can avoid. After a ${WARMUP} s warm-up of each, ${RUNS} runs interleave the workers, each
run starting with another one; the table gives the median over the runs and (in brackets) the
smallest and largest. Latencies are per response, from autocannon's events. The ratio is our
requests/s over the pass-through's in the same run. The CPU column is the user and system time of
that Worker's workerd process over the run (from /proc, 10 ms ticks) per response: it counts only
workerd's own work, so it is steadier than requests/s when other processes take the cores.
autocannon and workerd share the machine's cores (1-minute load average ${loadBefore} before the runs,
${loadAfter} after), so compare ratios, not absolute figures.

| case | worker | requests/s | ratio to pass-through | p50 ms | p99 ms | workerd CPU µs per request | bytes per response |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Target: our Worker at least ${TARGET}× the pass-through's requests/s (median ratio): signed 200s ${verdict(summary.signed!)}, unsigned 401s ${verdict(summary.unsigned!)}.

Beside the floor Worker, in the same runs (per-run ratios of requests/s):

${floorLines}${cpuLine}

The floor Worker (${FLOOR_FILE}):

\`\`\`ts
${floorSource}
\`\`\`

Log lines our Worker wrote over the ${int(totalOurs)} requests it answered in the runs: ${int(ours.logs.accepted)} \`auth.accepted\`, ${int(ours.logs.rejected)} \`auth.rejected\` (one per 401, warm-up included).${logLine}
`;

if (ours.logs.accepted !== 0) throw new Error(`the Worker logged ${ours.logs.accepted} accepted requests by default`);
const unsignedAnswered = runsOf('unsigned', ours).reduce((m, r) => m + r.responses, 0);
if (ours.logs.rejected < unsignedAnswered)
  throw new Error(`the Worker logged ${ours.logs.rejected} rejections for ${unsignedAnswered} 401s`);

if (logging) {
  const acceptedAnswered = runsOf('signed', logging).reduce((m, r) => m + r.responses, 0);
  if (logging.logs.accepted < acceptedAnswered)
    throw new Error(`with LOG_ACCEPTED=true the Worker logged ${logging.logs.accepted} of ${acceptedAnswered} accepted requests`);
}

console.log(section);
if (!args['no-write']) writeFileSync(BENCHMARKS_FILE, spliceSection(readFileSync(BENCHMARKS_FILE, 'utf8'), section));
