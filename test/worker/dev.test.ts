import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sendRaw } from '../helpers/workerd.ts';
import { freePort, waitForOutput } from '../helpers/net.ts';

/** Reads the shell words of the printed curl command (single-quoted arguments only, as printed). */
function parseCurl(line: string): { headers: Array<[string, string]>; url: URL } {
  const words = [...line.matchAll(/'((?:[^']|'\\'')*)'/g)].map((m) => m[1]!.replace(/'\\''/g, "'"));
  const url = new URL(words.pop()!);
  const headers = words.map((h) => {
    const colon = h.indexOf(':');
    return [h.slice(0, colon), h.slice(colon + 1).trim()] as [string, string];
  });
  return { headers, url };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// `npm start` as a new user runs it: wrangler dev under workerd, a printed signed curl that gets a 200.
describe('npm start (infra/dev.mjs)', () => {
  let dev: ChildProcess;
  let output = '';
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    dev = spawn(process.execPath, ['infra/dev.mjs'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    dev.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await waitForOutput(
      () => output,
      'Press Ctrl-C to stop.',
      80_000,
      () => dev.exitCode !== null,
    );
  }, 90_000);
  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGINT');
      await new Promise((r) => dev.once('exit', r));
    }
  });

  it('prints a signed curl that gets a 200, and the unsigned one gets a 401', async () => {
    const line = output.split('\n').find((l) => l.trim().startsWith('curl -i -H'))!;
    expect(line).toBeDefined();
    expect(line).not.toContain('demo-only-secret');
    const { headers, url } = parseCurl(line.trim());
    expect(url.host).toBe(`127.0.0.1:${port}`);
    const signed = await sendRaw(url, {
      method: 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers: [['host', url.host], ...headers],
    });
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.body)).toMatchObject({ ok: true, principal: 'demo-user' });
    const unsigned = await sendRaw(url, { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: [['host', url.host]] });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers['www-authenticate']).toContain('AWS4-HMAC-SHA256');
  });

  it('stops wrangler and workerd on Ctrl-C', async () => {
    const { execFileSync } = await import('node:child_process');
    const pids = () =>
      execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(`--port ${port}`) || (l.includes('workerd') && l.includes(String(port))))
        .map((l) => Number(l.trim().split(/\s+/)[0]));
    const before = pids();
    expect(before.length).toBeGreaterThan(0);
    dev.kill('SIGINT');
    await new Promise((r) => dev.once('exit', r));
    const deadline = Date.now() + 10_000;
    while (before.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(before.filter(alive)).toEqual([]);
  });
});
