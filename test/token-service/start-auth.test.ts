// `npm run start:auth` (infra/auth-dev.ts), as a new user runs it: the three servers on free ports, the
// flow printed with its results, the printed commands working when pasted into a shell, no secret in
// the output, and Ctrl-C (SIGINT) stopping everything and freeing the ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/workerd.ts';
import { freePort, waitForOutput } from '../helpers/net.ts';
import { processTree } from '../helpers/processes.ts';

const READY = 'Ready. Press Ctrl-C to stop.';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function start(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra', 'auth-dev.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  return { child, out: () => out, err: () => err };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('npm run start:auth', () => {
  const dirs: string[] = [];
  let state: string;
  let ports: { token: number; edge: number; standin: number };
  let run: ReturnType<typeof start>;
  let stopped: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'auth-dev-state-'));
    const home = mkdtempSync(join(tmpdir(), 'auth-dev-home-'));
    dirs.push(state, home);
    ports = { token: await freePort(), edge: await freePort(), standin: await freePort() };
    run = start({
      TOKEN_SERVICE_PORT: String(ports.token),
      EDGE_PORT: String(ports.edge),
      STANDIN_PORT: String(ports.standin),
      AUTH_DEV_STATE_DIR: state,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
    });
    await waitForOutput(
      () => run.out() + run.err(),
      READY,
      45_000,
      () => run.child.exitCode !== null,
    );
  }, 60_000);

  afterAll(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await exited(run.child);
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const lines = () => run.out().split('\n');
  /** The result printed under the command line that starts with `prefix`. */
  const resultAfter = (prefix: string, nth = 0) => {
    const all = lines();
    const at = all.flatMap((l, i) => (l.startsWith(`  ${prefix}`) ? [i] : []))[nth];
    expect(at, `no line starting with "${prefix}"`).toBeDefined();
    return all[at! + 1]!;
  };

  it('prints its three servers on the ports it was given', () => {
    expect(run.out()).toContain(`stand-in GitHub/Google  http://127.0.0.1:${ports.standin}`);
    expect(run.out()).toContain(`token service           http://127.0.0.1:${ports.token}`);
    expect(run.out()).toContain(`edge                    http://127.0.0.1:${ports.edge}`);
  });

  it('prints each step with its result: a user token, a service token for demo-api, then 200, 403 and 401 at the edge', () => {
    expect(resultAfter('JWT=$(curl ')).toMatch(/^ {2}→ \d+ redirects, user token eyJ[\w-]{13}…$/);
    const grant = JSON.parse(resultAfter('SERVICE_TOKEN=$(curl ').replace(/^ {2}→ /, '')) as Record<string, unknown>;
    expect(grant).toMatchObject({ service: 'demo-api', permissions: { read: true } });
    expect(grant.token).toMatch(/^eyJ[\w-]{13}…$/);
    expect(resultAfter(`curl -i -H "Authorization: Bearer $SERVICE_TOKEN" http://127.0.0.1:${ports.edge}/reports/q1`)).toMatch(
      /^ {2}→ 200 \{"ok":true/,
    );
    expect(resultAfter(`curl -i -H "Authorization: Bearer $SERVICE_TOKEN" http://127.0.0.1:${ports.edge}/admin/x`)).toMatch(
      /^ {2}→ 403 .*ERR_FORBIDDEN/,
    );
    expect(resultAfter(`curl -i http://127.0.0.1:${ports.edge}/reports/q1`)).toMatch(/^ {2}→ 401 .*ERR_AUTH_MISSING/);
  });

  it('prints commands that work when pasted into a shell', () => {
    const commands = lines().filter((l) => /^ {2}(JWT=|SERVICE_TOKEN=|curl )/.test(l));
    expect(commands).toHaveLength(5);
    const hasCurl = spawnSync('curl', ['--version']).status === 0;
    if (!hasCurl) return; // the flow above already ran the same requests through fetch
    const script = [
      'set -e',
      ...commands.map((c) => c.trim().replace(/^curl -i /, 'curl -s -o /dev/null -w "%{http_code}\\n" ')),
      'printf "%s\\n" "${#JWT}"',
    ];
    const r = spawnSync('bash', ['-c', script.join('\n')], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const [ok, forbidden, missing, jwtLength] = r.stdout.trim().split('\n');
    expect([ok, forbidden, missing]).toEqual(['200', '403', '401']);
    expect(Number(jwtLength)).toBeGreaterThan(100);
  });

  it('keeps its secrets in a 0600 file and never prints one, nor a whole token', () => {
    const file = join(state, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as {
      TOKEN_SIGNING_KEYS: string;
      STATE_SECRET: string;
      github: { clientSecret: string };
      google: { clientSecret: string };
    };
    const output = run.out() + run.err();
    const privateKey = (JSON.parse(secrets.TOKEN_SIGNING_KEYS) as { keys: { privateKey: string }[] }).keys[0]!.privateKey;
    const keyBody = privateKey.split('\n').find((l) => l.length > 40)!;
    for (const secret of [secrets.STATE_SECRET, secrets.github.clientSecret, secrets.google.clientSecret, keyBody])
      expect(output).not.toContain(secret);
    expect(output).not.toContain('PRIVATE KEY');
    // A JWS is three base64url parts: none is printed whole.
    expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('stops on SIGINT (exit 130, as a shell reports Ctrl-C), leaving no workerd and freeing its ports', async () => {
    const children = processTree(run.child.pid!).slice(1);
    run.child.kill('SIGINT');
    stopped = await Promise.race([exited(run.child), new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    expect(stopped).toEqual({ code: 130, signal: null });
    for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);
    // workerd and esbuild's service go when told or when their pipe closes: give them a moment.
    for (let i = 0; i < 25 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 200));
    expect(children.filter(alive)).toEqual([]);
  }, 15_000);

  it('refuses to start, saying which port is taken and how to pick another', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const again = start({ TOKEN_SERVICE_PORT: String(taken), EDGE_PORT: String(await freePort()), AUTH_DEV_STATE_DIR: state });
      const { code } = await exited(again.child);
      expect(code).toBe(2);
      expect(again.err()).toContain(`127.0.0.1:${taken} is taken (TOKEN_SERVICE_PORT)`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 15_000);
});
