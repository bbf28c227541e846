import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, sendRaw } from '../helpers/workerd.ts';
import { freePort, waitForOutput } from '../helpers/net.ts';
import { processTree } from '../helpers/processes.ts';

/** Reads the shell words of the printed unsigned curl command (single-quoted arguments only, as printed). */
function parseCurl(line: string): { headers: Array<[string, string]>; url: URL } {
  const words = [...line.matchAll(/'((?:[^']|'\\'')*)'/g)].map((m) => m[1]!.replace(/'\\''/g, "'"));
  const url = new URL(words.pop()!);
  const headers = words.map((h) => {
    const colon = h.indexOf(':');
    return [h.slice(0, colon), h.slice(colon + 1).trim()] as [string, string];
  });
  return { headers, url };
}

/**
 * The printed signed request: `curl -i -K - <<'EOF'`, a curl config, `EOF`. Returns the here-document
 * (what curl reads on stdin) and its url and headers, read as curl reads `name = "value"` lines.
 */
function signedCurlOf(output: string): { config: string; headers: Array<[string, string]>; url: URL } | undefined {
  const lines = output.split('\n');
  const start = lines.indexOf("curl -i -K - <<'EOF'");
  const end = lines.indexOf('EOF', start);
  if (start === -1 || end === -1) return undefined;
  const config = lines.slice(start + 1, end);
  const value = (line: string) => JSON.parse(line.slice(line.indexOf('"'))) as string;
  const url = new URL(value(config.find((l) => l.startsWith('url = '))!));
  // Host is sent once, by get(), as curl sends the config's Host header instead of its own.
  const headers = config
    .filter((l) => l.startsWith('header = ') && !/^header = "host:/i.test(l))
    .map((l) => {
      const h = value(l);
      const colon = h.indexOf(':');
      return [h.slice(0, colon), h.slice(colon + 1).trim()] as [string, string];
    });
  return { config: config.join('\n'), headers, url };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process's command line (NUL-separated words joined with spaces), from /proc. */
function commandLines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/** The processes a local edge on `port` runs: the tree under `root` plus anything naming the port. */
function edgeProcesses(root: number, port: number): number[] {
  const named = [...commandLines()]
    .filter(([, cmd]) => cmd.includes(`--port ${port}`) || cmd.includes(`127.0.0.1:${port}`))
    .map(([pid]) => pid);
  return [...new Set([...processTree(root), ...named])];
}

async function waitUntilGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return pids.filter(alive);
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The env file a dev.mjs process with one of `pids` writes (.wrangler/dev-vars-<pid>.env). */
function envFileOf(pids: readonly number[]): string | undefined {
  const dir = join(ROOT, '.wrangler');
  const names = existsSync(dir) ? readdirSync(dir) : [];
  const name = names.find((n) => pids.some((pid) => n === `dev-vars-${pid}.env`));
  return name && join(dir, name);
}

interface Edge {
  child: ChildProcess;
  port: number;
  output: string;
  started: Error | undefined;
}

async function startEdge(command: string, args: string[], env: Record<string, string>): Promise<Edge> {
  const port = await freePort();
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const edge: Edge = { child, port, output: '', started: undefined };
  child.stdout!.on('data', (c: Buffer) => (edge.output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (edge.output += c.toString()));
  edge.started = await waitForOutput(
    () => edge.output,
    'Press Ctrl-C to stop.',
    80_000,
    () => child.exitCode !== null,
  ).then(
    () => undefined,
    (e: Error) => e,
  );
  return edge;
}

async function get(line: string | { headers: Array<[string, string]>; url: URL }) {
  const { headers, url } = typeof line === 'string' ? parseCurl(line.trim()) : line;
  return sendRaw(url, { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: [['host', url.host], ...headers] });
}

const DEMO_SECRET = 'demo-only-secret';
// A configuration of one's own: no public route; its first two keys cannot sign now, and the third
// has a session token, which a printed curl would carry into shell history.
const OWN_SECRET = `own-config-secret-${randomBytes(8).toString('hex')}`;
const OWN_TOKEN = `own-session-token-${randomBytes(8).toString('hex')}`;
const ownConfig = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  routes: [
    { path: '/api/*', permissions: ['api:call'] },
    { path: '*', permissions: ['everything'] },
  ],
  keys: [
    { id: 'AKIDDISABLED', secret: 'own-config-disabled-1', principal: 'off', disabled: true },
    { id: 'AKIDEXPIRED', secret: 'own-config-expired-01', principal: 'old', expiresAt: 1 },
    { id: 'AKIDSESSIONED', secret: 'own-config-session-01', principal: 'temp', sessionToken: OWN_TOKEN },
    { id: 'remoteci/own-1', secret: OWN_SECRET, principal: 'own-user', permissions: ['api:call'] },
  ],
};

let dir: string;
let ownConfigPath: string;
let demo: Edge;
let own: Edge;

// Two local edges at once (wrangler takes a few seconds each): `node infra/dev.mjs` with the demo
// configuration, and real `npm start` with AUTH_CONFIG_FILE naming a configuration of one's own
// (and LOG_ACCEPTED set).
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edge-dev-'));
  ownConfigPath = join(dir, 'own-config.json');
  writeFileSync(ownConfigPath, JSON.stringify(ownConfig));
  // Started side by side, so each keeps its local state apart (one SQLite file for both can be locked).
  [demo, own] = await Promise.all([
    startEdge(process.execPath, ['infra/dev.mjs'], { EDGE_DEV_STATE_DIR: join(dir, 'state-demo') }),
    startEdge('npm', ['start'], { AUTH_CONFIG_FILE: ownConfigPath, LOG_ACCEPTED: '0.5', EDGE_DEV_STATE_DIR: join(dir, 'state-own') }),
  ]);
}, 100_000);

afterAll(async () => {
  for (const edge of [demo, own]) {
    if (!edge || edge.child.exitCode !== null) continue;
    const processes = edgeProcesses(edge.child.pid!, edge.port);
    edge.child.kill('SIGTERM');
    await exited(edge.child, 10_000).catch(() => undefined);
    for (const pid of await waitUntilGone(processes, 5_000)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

// `npm start` as a new user runs it: wrangler dev under workerd, a printed signed curl that gets a 200.
describe('npm start (infra/dev.mjs) with the demo configuration', () => {
  it('prints a signed curl that gets a 200, and the unsigned one gets a 401', async () => {
    expect(demo.started).toBeUndefined();
    const printed = signedCurlOf(demo.output)!;
    expect(printed).toBeDefined();
    expect(printed.config).not.toContain('demo-only-secret');
    expect(printed.config).toMatch(/^header = "Authorization: AWS4-HMAC-SHA256 /m);
    // The signature is in the here-document only: no printed line starts a command that carries it.
    for (const l of demo.output.split('\n')) if (/^\s*curl /.test(l)) expect(l).not.toContain('Signature=');
    const { url } = printed;
    expect(url.host).toBe(`127.0.0.1:${demo.port}`);
    const signed = await get(printed);
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.body)).toMatchObject({ ok: true, principal: 'demo-user' });
    const unsigned = await sendRaw(url, { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: [['host', url.host]] });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers['www-authenticate']).toContain('AWS4-HMAC-SHA256');
  });

  it('passes the configuration in a 0600 file under .wrangler/, on no command line', () => {
    expect(demo.started).toBeUndefined();
    const file = envFileOf([demo.child.pid!]);
    expect(file).toBeDefined();
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(readFileSync(file!, 'utf8')).toContain(DEMO_SECRET);
    expect(readFileSync(file!, 'utf8')).not.toContain('LOG_ACCEPTED');
    const leaks = [...commandLines()].filter(([, cmd]) => cmd.includes(DEMO_SECRET));
    expect(leaks).toEqual([]);
  });

  it('stops wrangler and workerd on Ctrl-C, and removes the configuration file', async () => {
    expect(demo.started).toBeUndefined();
    const file = envFileOf([demo.child.pid!]);
    const before = edgeProcesses(demo.child.pid!, demo.port).filter((pid) => pid !== demo.child.pid);
    expect(before.length).toBeGreaterThan(0);
    demo.child.kill('SIGINT');
    await exited(demo.child, 10_000);
    expect(await waitUntilGone(before, 10_000)).toEqual([]);
    expect(file && existsSync(file)).toBe(false);
  });
});

describe('npm start with AUTH_CONFIG_FILE (no public route)', () => {
  it('starts, and the banner names the file and signs with its first usable key', async () => {
    expect(own.started).toBeUndefined();
    expect(own.output).toContain(`configuration from ${ownConfigPath}`);
    expect(own.output).toContain('by remoteci/own-1');
    expect(own.output).not.toContain(OWN_TOKEN);
    const printed = signedCurlOf(own.output)!;
    expect(printed.config).toContain('Credential=remoteci/own-1/');
    const signed = await get(printed);
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.body)).toMatchObject({ ok: true, principal: 'own-user' });
    const unsignedLine = own.output.split('\n').find((l) => /^\s*curl -i '/.test(l))!;
    expect((await get(unsignedLine)).status).toBe(401);
  });

  it('prints a sign command that works for that file', async () => {
    expect(own.started).toBeUndefined();
    const command = own.output
      .split('\n')
      .find((l) => l.startsWith('Sign your own: '))!
      .slice('Sign your own: '.length);
    expect(command).toContain(`--config '${ownConfigPath}' --key 'remoteci/own-1' --format curl | curl -i -K -`);
    // Run as printed, curl included (it sends what the CLI signed): the answer is the Worker's 200.
    const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: true, principal: 'own-user' });
  });

  it('keeps the secret out of every command line, in a 0600 file', () => {
    expect(own.started).toBeUndefined();
    // (wrangler copies --env-file values into its own environment, which children inherit:
    // /proc/<pid>/environ is readable by the same user only, like the file itself.)
    const file = envFileOf(processTree(own.child.pid!));
    expect(file).toBeDefined();
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect([...commandLines()].filter(([, cmd]) => cmd.includes(OWN_SECRET))).toEqual([]);
    expect(own.output).not.toContain(OWN_SECRET);
  });

  it('passes LOG_ACCEPTED on to the Worker in the same file', () => {
    expect(own.started).toBeUndefined();
    const file = envFileOf(processTree(own.child.pid!));
    expect(file).toBeDefined();
    expect(readFileSync(file!, 'utf8').split('\n')).toContain("LOG_ACCEPTED='0.5'");
  });

  it('SIGTERM to the npm process stops wrangler and workerd, and removes the file', async () => {
    expect(own.started).toBeUndefined();
    const processes = edgeProcesses(own.child.pid!, own.port);
    const file = envFileOf(processes);
    expect(processes.filter((pid) => commandLines().get(pid)?.includes('workerd')).length).toBeGreaterThan(0);
    own.child.kill('SIGTERM');
    await exited(own.child, 10_000);
    expect(await waitUntilGone(processes, 10_000)).toEqual([]);
    expect(edgeProcesses(own.child.pid!, own.port).filter(alive)).toEqual([]);
    expect(file && existsSync(file)).toBe(false);
  });
});

/** `infra/dev.mjs` started with `env`; `output` is its stdout and stderr so far, as they come. */
function startDevEdge(env: NodeJS.ProcessEnv): { child: ChildProcess; output: string } {
  const child = spawn(process.execPath, ['infra/dev.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const dev = { child, output: '' };
  child.stdout!.on('data', (c: Buffer) => (dev.output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (dev.output += c.toString()));
  return dev;
}

describe('npm start with an invalid configuration', () => {
  it('fails before starting wrangler, printing each issue once and no secret', async () => {
    const secret = `Q${randomBytes(8).toString('hex')}-bad-config-secret`;
    const bad = join(dir, 'bad-config.json');
    writeFileSync(
      bad,
      JSON.stringify({
        schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
        keys: [
          { id: 'A', secret: secret.slice(0, 7), principal: 'p' },
          { id: 'B', secret: 12345678901234568, principal: secret },
          { id: 'C', secret, principal: 'p', password: secret },
        ],
      }),
    );
    const port = await freePort();
    const dev = startDevEdge({ ...process.env, PORT: String(port), AUTH_CONFIG_FILE: bad });
    const { child } = dev;
    try {
      const code = await exited(child, 20_000);
      expect(code).not.toBe(0);
      expect(dev.output.match(/keys\[0\]\.secret: must be at least 8 characters/g)).toHaveLength(1);
      expect(dev.output.match(/keys\[1\]\.secret: expected a string, got a number/g)).toHaveLength(1);
      expect(dev.output.match(/keys\[2\]\.password: unknown field/g)).toHaveLength(1);
      expect(dev.output).toContain(bad);
      expect(dev.output).not.toContain(secret.slice(0, 7));
      expect(dev.output).not.toContain(secret.slice(1, 17));
      expect(dev.output).not.toContain('12345678901234568');
      expect(dev.output).not.toMatch(/wrangler|workerd/i);
      expect(envFileOf([child.pid!])).toBeUndefined();
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  }, 30_000);
});

describe('npm start with a PORT that is not a port', () => {
  it.each(['abc', '0', '70000', '80.5'])('refuses PORT=%j before writing anything', async (value) => {
    const dev = startDevEdge({ ...process.env, PORT: value });
    const { child } = dev;
    try {
      expect(await exited(child, 20_000)).toBe(2);
      expect(dev.output).toContain('PORT must be a port number from 1 to 65535');
      expect(envFileOf([child.pid!])).toBeUndefined();
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  });
});

describe('npm start when its port is taken', () => {
  it('refuses to start, rather than take the other server for the local edge and print a signed request for it', async () => {
    const port = await freePort();
    const other = createServer((_req, res) => res.end('someone else')).listen(port, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    const dev = startDevEdge({ ...process.env, PORT: String(port) });
    const { child } = dev;
    try {
      expect(await exited(child, 20_000)).toBe(1);
      expect(dev.output).toContain(`127.0.0.1:${port} is in use`);
      expect(dev.output).not.toContain('is running on');
      expect(dev.output).not.toContain('Signature=');
      expect(envFileOf([child.pid!])).toBeUndefined();
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      other.close();
    }
  }, 30_000);
});

describe('npm start with a LOG_ACCEPTED that cannot be passed on', () => {
  it.each(["0.5'", 'true$HOME', '1\nAUTH_CONFIG=x'])(
    'refuses %j before starting wrangler',
    async (value) => {
      const port = await freePort();
      const dev = startDevEdge({
        ...process.env,
        PORT: String(port),
        LOG_ACCEPTED: value,
        EDGE_DEV_WRANGLER: join(dir, 'no-such-wrangler.mjs'),
      });
      const { child } = dev;
      try {
        expect(await exited(child, 20_000)).toBe(2);
        expect(dev.output).toContain('LOG_ACCEPTED must be true, false or a sampling rate from 0 to 1');
        expect(dev.output).not.toMatch(/wrangler/i);
        expect(envFileOf([child.pid!])).toBeUndefined();
      } finally {
        if (child.exitCode === null) child.kill('SIGTERM');
      }
    },
    30_000,
  );
});

describe('npm start when wrangler fails', () => {
  it('prints only the last 64 KiB of its output, once, and removes the configuration file', async () => {
    // A stand-in for wrangler that writes 1 MiB of numbered lines and exits 1.
    const fake = join(dir, 'fake-wrangler.mjs');
    writeFileSync(
      fake,
      "let s = ''; for (let i = 0; i < 16384; i++) s += `wrangler line ${String(i).padStart(6, '0')} ${'x'.repeat(40)}\\n`;\n" +
        'process.stderr.write(s, () => process.exit(1));\n',
    );
    const port = await freePort();
    const dev = startDevEdge({ ...process.env, PORT: String(port), EDGE_DEV_WRANGLER: fake });
    const { child } = dev;
    try {
      expect(await exited(child, 20_000)).not.toBe(0);
      expect(dev.output.match(/wrangler dev exited/g)).toHaveLength(1);
      expect(dev.output).toContain('wrangler line 016383');
      expect(dev.output).not.toContain('wrangler line 000000');
      const tail = dev.output.slice(dev.output.indexOf('wrangler dev exited'));
      expect(tail.length).toBeLessThanOrEqual(64 * 1024 + 200);
      expect(tail.length).toBeGreaterThan(60 * 1024);
      expect(envFileOf([child.pid!])).toBeUndefined();
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  }, 30_000);
});
