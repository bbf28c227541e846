/**
 * Lambda cold start: the authorizer bundle's size and the time a fresh Node process takes to
 * import it (and to answer a first authorization), beside an empty handler. Spawns one process per
 * sample, as a cold Lambda container is one fresh process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ColdStartResult {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly importMs: number;
  readonly firstCallMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function sample(
  file: string,
  event: unknown,
  env: NodeJS.ProcessEnv,
): { importMs: number; firstCallMs: number; principalId: string | null } {
  const script = `
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

export function measureColdStart(root: string, event: unknown, samples = 15): ColdStartResult[] {
  const emptyDir = join(root, 'build', 'lambda', 'empty');
  mkdirSync(emptyDir, { recursive: true });
  writeFileSync(join(emptyDir, 'index.mjs'), 'export const handler = async () => ({ isAuthorized: true });\n');
  const env = { ...process.env, AUTH_CONFIG_FILE: resolve(root, 'infra', 'lambda-demo-config.json') };
  const out: ColdStartResult[] = [];
  for (const [name, file] of [
    ['empty handler', join(emptyDir, 'index.mjs')],
    ['edge-authorizer authorizer', join(root, 'build', 'lambda', 'authorizer', 'index.mjs')],
  ] as const) {
    sample(file, event, env); // warm the file system cache
    const runs = Array.from({ length: samples }, () => sample(file, event, env));
    // The authorizer's first call must be a real allow, or its time would measure a failure path.
    if (name !== 'empty handler' && runs.some((r) => r.principalId !== 'demo-user'))
      throw new Error('the cold-start event was not allowed');
    const bytes = statSync(file).size;
    out.push({
      name,
      bytes,
      gzipBytes: gzipSync(readFileSync(file)).length,
      importMs: median(runs.map((r) => r.importMs)),
      firstCallMs: median(runs.map((r) => r.firstCallMs)),
    });
  }
  return out;
}
