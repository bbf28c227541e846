// `npm start`: the local edge. Checks the configuration with the edge-auth CLI (the same loader the
// Worker uses), runs functions/worker.ts under workerd (wrangler dev) on 127.0.0.1, waits until it
// answers, then prints a signed curl (made by our own signer) for the configuration's first usable
// SigV4 key and an unsigned one that gets a 401.
//
// The configuration (secrets included) reaches wrangler through a 0600 dotenv file under the
// git-ignored .wrangler/, never through argv or the environment, which any local user can read in
// `ps` (/proc/*/cmdline); the file is removed when the edge stops.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { setInterval } from 'node:timers';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogTail } from './log-tail.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('PORT must be a port number from 1 to 65535.\n');
  process.exit(2);
}
const configPath = resolve(process.env.AUTH_CONFIG_FILE ?? join(root, 'infra', 'demo-config.json'));
const shownPath = (() => {
  const rel = relative(root, configPath);
  return rel.startsWith('..') || isAbsolute(rel) ? configPath : rel;
})();
const base = `http://127.0.0.1:${port}`;
const cli = join(root, 'bin', 'edge-auth.js');
const LOG_LIMIT = 64 * 1024;

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// 1. Refuse a bad configuration at once, with its issues printed once, before wrangler starts.
const check = spawnSync(process.execPath, [cli, 'check-config', '--config', configPath], { cwd: root, encoding: 'utf8' });
if (check.status !== 0) {
  let error;
  try {
    error = JSON.parse(check.stderr);
  } catch {
    /* not the CLI's one-line error */
  }
  const detail = error
    ? [`${error.message} (${error.code})`, ...(error.issues ?? []).map((i) => `  ${i}`)].join('\n')
    : (check.stderr || String(check.error ?? '')).slice(-4096);
  process.stderr.write(`npm start: ${shownPath} cannot be used as the configuration:\n${detail}\n`);
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));

const origin = process.env.ORIGIN_URL;
if (origin !== undefined && /['$\\\r\n]/.test(origin)) {
  process.stderr.write("npm start: ORIGIN_URL must not contain ', $, \\ or line breaks\n");
  process.exit(2);
}
// Whether the Worker logs accepted requests too (true, false or a sampling rate; the Worker reads it).
const logAccepted = process.env.LOG_ACCEPTED;
if (logAccepted !== undefined && !/^[A-Za-z0-9.]*$/.test(logAccepted)) {
  process.stderr.write('npm start: LOG_ACCEPTED must be true, false or a sampling rate from 0 to 1\n');
  process.exit(2);
}

// 2. The dotenv file wrangler reads the Worker's vars from (--env-file). Single-quoted values are
// taken literally by dotenv, but dotenv-expand still expands "$NAME" and unescapes "\$" in them:
// the JSON carries neither "'" nor "$" (both only occur inside JSON strings, where \u0027 and \u0024
// mean the same), so it arrives byte for byte equivalent.
const wranglerDir = join(root, '.wrangler');
mkdirSync(wranglerDir, { recursive: true });
for (const name of readdirSync(wranglerDir)) {
  // Files left by an edge that was killed outright (SIGKILL): remove them once their process is gone.
  const m = /^dev-vars-(\d+)\.env$/.exec(name);
  if (!m) continue;
  try {
    process.kill(Number(m[1]), 0);
  } catch (e) {
    if (e.code === 'ESRCH') rmSync(join(wranglerDir, name), { force: true });
  }
}
const envFile = join(wranglerDir, `dev-vars-${process.pid}.env`);
const configValue = JSON.stringify(config).replace(/'/g, '\\u0027').replace(/\$/g, '\\u0024');
const envText =
  `AUTH_CONFIG='${configValue}'\n` + (origin ? `ORIGIN_URL='${origin}'\n` : '') + (logAccepted ? `LOG_ACCEPTED='${logAccepted}'\n` : '');
rmSync(envFile, { force: true });
writeFileSync(envFile, envText, { mode: 0o600, flag: 'wx' });
chmodSync(envFile, 0o600);
const removeEnvFile = () => rmSync(envFile, { force: true });

mkdirSync(join(root, '.xdg'), { recursive: true });
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  // Vars come from the --env-file only: never from .dev.vars or this process's environment.
  CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: 'true',
  CLOUDFLARE_INCLUDE_PROCESS_ENV: 'false',
  XDG_CONFIG_HOME: join(root, '.xdg'),
  WRANGLER_LOG_PATH: join(root, '.wrangler', 'logs'),
};
delete env.AUTH_CONFIG;

/** Listens on 127.0.0.1:p (0: any free port) and closes again: `{ port }` it got, or `{ problem }`, the error's code. */
function tryListen(p) {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', (e) => done({ problem: e.code ?? 'error' }));
    s.listen(p, '127.0.0.1', () => {
      const { port: got } = s.address();
      s.close(() => done({ port: got }));
    });
  });
}

// wrangler's inspector defaults to 9229, which a debugger or a second local edge may hold.
async function freePort() {
  const free = await tryListen(0);
  if (free.problem !== undefined) throw new Error(`no free port on 127.0.0.1 for wrangler's inspector (${free.problem})`);
  return free.port;
}
const inspectorPort = Number(process.env.INSPECTOR_PORT ?? (await freePort()));

// Readiness below is any HTTP answer on the port: a server already there (a second npm start) would
// answer for us, and a printed signed request would go to it. So the port must be free to begin with.
const { problem } = await tryListen(port);
if (problem !== undefined) {
  removeEnvFile();
  process.stderr.write(
    problem === 'EADDRINUSE'
      ? `127.0.0.1:${port} is in use (another npm start?): stop what listens there, or set PORT to a free port.\n`
      : `cannot listen on 127.0.0.1:${port} (${problem}): set PORT to another port.\n`,
  );
  process.exit(1);
}

const args = [
  // EDGE_DEV_WRANGLER: another wrangler CLI to run (the tests use a stand-in that fails loudly).
  process.env.EDGE_DEV_WRANGLER ?? join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
  'dev',
  '--ip',
  '127.0.0.1',
  '--port',
  String(port),
  // EDGE_DEV_STATE_DIR: where the local KV (AUTH_SHARED_CACHE) is kept. Two edges sharing one
  // directory share one SQLite file, which workerd may find locked at start (SQLITE_BUSY).
  '--persist-to',
  resolve(process.env.EDGE_DEV_STATE_DIR || join(root, '.wrangler', 'state')),
  '--env-file',
  envFile,
  '--inspector-port',
  String(inspectorPort),
  '--show-interactive-dev-session=false',
];

// wrangler and workerd get their own process group, so one signal reaches them all.
const wrangler = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
// Only the last LOG_LIMIT characters are kept: enough to show why it failed, bounded however long it
// runs and however much the Worker logs.
const log = createLogTail(LOG_LIMIT);
const keep = (chunk) => {
  log.push(chunk);
  if (process.env.EDGE_DEV_VERBOSE) process.stderr.write(chunk);
};
// Decoded as UTF-8 across chunk boundaries, so a character split between two reads stays whole.
wrangler.stdout.setEncoding('utf8');
wrangler.stderr.setEncoding('utf8');
wrangler.stdout.on('data', keep);
wrangler.stderr.on('data', keep);
const logTail = () => log.text();

function killGroup(signal) {
  try {
    process.kill(-wrangler.pid, signal);
  } catch {
    /* already gone */
  }
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  removeEnvFile();
  killGroup('SIGTERM');
  const finish = () => {
    killGroup('SIGKILL'); // workerd, if wrangler left it behind
    process.exit(code);
  };
  if (wrangler.exitCode !== null || wrangler.signalCode !== null) finish();
  wrangler.once('exit', () => setTimeout(finish, 100));
  setTimeout(finish, 3000).unref();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
// `npm start` runs this under `sh -c`: npm passes SIGTERM to that shell, which dies without passing
// it on, and if npm itself is killed the shell lives on. Losing the parent, or the parent losing
// its own (read from /proc where there is one), is the signal to stop.
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
const parentAtStart = process.ppid;
const grandparentAtStart = parentOf(parentAtStart);
setInterval(() => {
  const grandparent = parentOf(parentAtStart);
  if (process.ppid !== parentAtStart || (grandparentAtStart !== undefined && grandparent !== grandparentAtStart)) stop(0);
}, 250).unref();
// 'close', not 'exit': by then all of its output has been read.
wrangler.on('close', (code) => {
  if (!stopping) {
    process.stderr.write(`wrangler dev exited (${code}). The end of its output:\n${logTail()}\n`);
    stop(1);
  }
});
// However this process ends, leave no workerd and no configuration file behind.
process.on('exit', () => {
  removeEnvFile();
  killGroup('SIGKILL');
});

// Up means any HTTP answer at all: the configuration may have no public route to ask.
async function waitUntilUp(deadline) {
  while (Date.now() < deadline) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 5000);
    try {
      await fetch(`${base}/`, { method: 'HEAD', signal: abort.signal });
      return;
    } catch {
      /* not yet */
    } finally {
      clearTimeout(timer);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local edge did not answer on ${base} within 60 s. The end of wrangler's output:\n${logTail()}`);
}

/**
 * The first key the configuration lets sign SigV4 now: enabled, in its validity window, and without a
 * session token (the printed curl would carry the token itself, into shell history and argv).
 */
function firstUsableKey() {
  const now = Math.floor(Date.now() / 1000);
  return config.keys?.find(
    (k) =>
      (k.scheme ?? 'sigv4') === 'sigv4' &&
      !k.disabled &&
      k.sessionToken === undefined &&
      (k.notBefore === undefined || k.notBefore <= now) &&
      (k.expiresAt === undefined || now < k.expiresAt),
  );
}

function routeFor(method, path) {
  const matches = (pattern) => pattern === '*' || (pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern);
  return (config.routes ?? [{ path: '*' }]).find((r) => matches(r.path) && (r.methods ?? ['*']).some((m) => m === '*' || m === method));
}

/** A GET path that is guarded (not public) and that the key may call, so the signed curl gets a 200. */
function demoPath(key) {
  const candidates = ['/hello', ...(config.routes ?? []).map((r) => (r.path === '*' ? '/hello' : r.path.replace(/\*$/, 'hello')))];
  return (
    candidates.find((path) => {
      const route = routeFor('GET', path);
      return !route || (!route.public && (route.permissions ?? []).every((p) => (key.permissions ?? []).includes(p)));
    }) ?? '/hello'
  );
}

/**
 * The signed request as a curl config (`edge-auth sign --format curl`) in a here-document for
 * `curl -K -`: ready to paste, and its signature stands in no command line (`ps` shows argv to every
 * user), only in the text the shell hands curl on stdin. An interactive shell's history still keeps
 * what was pasted: the signature is valid for 15 minutes, and no secret is in it.
 */
function signedCurl(key, url) {
  const request = JSON.stringify({ method: 'GET', url, headers: {} });
  const r = spawnSync(process.execPath, [cli, 'sign', '--config', configPath, '--key', key.id, '--format', 'curl'], {
    cwd: root,
    input: request,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`signing the demo request failed: ${r.stderr}`);
  // The config ends with a newline (toCurlConfig), so EOF stands on its own line.
  return `curl -i -K - <<'EOF'\n${r.stdout}EOF`;
}

try {
  await waitUntilUp(Date.now() + 60_000);
  const key = firstUsableKey();
  const lines = ['', `edge-authorizer is running on ${base} (workerd via wrangler dev, configuration from ${shownPath})`, ''];
  if (key) {
    const path = demoPath(key);
    const url = `${base}${path}?name=world`;
    lines.push(
      origin
        ? `A request signed just now with SigV4 by ${key.id} (valid for 15 minutes) is verified and passed on to ORIGIN_URL:`
        : `A request signed just now with SigV4 by ${key.id} (valid for 15 minutes) gets a 200:`,
      '',
      signedCurl(key, url),
      '',
      'The same request unsigned gets a 401:',
      '',
      `  curl -i ${shellQuote(url)}`,
      '',
      `Sign your own: echo ${shellQuote(JSON.stringify({ method: 'GET', url: `${base}${path}` }))} | npx edge-auth sign --config ${shellQuote(shownPath)} --key ${shellQuote(key.id)} --format curl | curl -i -K -`,
    );
  } else {
    lines.push(
      `${shownPath} has no SigV4 key that may sign now without a session token (the rest are disabled, expired, not yet valid or carry a token the example would print), so there is no signed example.`,
    );
  }
  lines.push('Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  stop(1);
}
