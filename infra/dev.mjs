// `npm start`: the local edge. Runs functions/worker.ts under workerd (wrangler dev) on 127.0.0.1
// with the demo configuration, waits until it answers, then prints a signed curl (made by our own
// signer, through the edge-auth CLI) that gets a 200 and an unsigned one that gets a 401.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 8787);
const configPath = process.env.AUTH_CONFIG_FILE ?? join(root, 'infra', 'demo-config.json');
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const demoKey = config.keys[0].id;
const base = `http://127.0.0.1:${port}`;

mkdirSync(join(root, '.xdg'), { recursive: true });
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: join(root, '.xdg'),
  WRANGLER_LOG_PATH: join(root, '.wrangler', 'logs'),
};

// wrangler's inspector defaults to 9229, which a debugger or a second local edge may hold.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
const inspectorPort = Number(process.env.INSPECTOR_PORT ?? (await freePort()));

const args = [
  join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
  'dev',
  '--ip',
  '127.0.0.1',
  '--port',
  String(port),
  '--persist-to',
  join(root, '.wrangler', 'state'),
  '--var',
  `AUTH_CONFIG:${JSON.stringify(config)}`,
  '--inspector-port',
  String(inspectorPort),
  '--show-interactive-dev-session=false',
];
if (process.env.ORIGIN_URL) args.push('--var', `ORIGIN_URL:${process.env.ORIGIN_URL}`);

const wrangler = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let log = '';
const keep = (chunk) => {
  log += chunk;
  if (process.env.EDGE_DEV_VERBOSE) process.stderr.write(chunk);
};
wrangler.stdout.on('data', keep);
wrangler.stderr.on('data', keep);

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-wrangler.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  setTimeout(() => {
    try {
      process.kill(-wrangler.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    process.exit(code);
  }, 1500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
wrangler.on('exit', (code) => {
  if (!stopping) {
    process.stderr.write(`wrangler dev exited (${code}). Its output:\n${log}\n`);
    stop(1); // take workerd (same process group) down with it
  }
});
// However this process ends, leave no workerd behind.
process.on('exit', () => {
  try {
    process.kill(-wrangler.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
});

async function waitUntilUp(deadline) {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${base}/health`);
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local edge did not answer on ${base} within 60 s. wrangler said:\n${log}`);
}

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function signedCurl() {
  const request = JSON.stringify({ method: 'GET', url: `${base}/hello?name=world`, headers: {} });
  const r = spawnSync(process.execPath, [join(root, 'bin', 'edge-auth.js'), 'sign', '--config', configPath, '--key', demoKey], {
    cwd: root,
    input: request,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`signing the demo request failed: ${r.stderr}`);
  const signed = JSON.parse(r.stdout);
  const headers = signed.headers.filter(([n]) => n.toLowerCase() !== 'host').map(([n, v]) => `-H ${shellQuote(`${n}: ${v}`)}`);
  return `curl -i ${headers.join(' ')} ${shellQuote(signed.url)}`;
}

try {
  await waitUntilUp(Date.now() + 60_000);
  const curl = signedCurl();
  process.stdout.write(
    [
      '',
      `edge-authorizer is running on ${base} (workerd via wrangler dev, demo keys from ${configPath.replace(root + '/', '')})`,
      '',
      'A request signed just now with SigV4 (valid for 15 minutes) gets a 200:',
      '',
      `  ${curl}`,
      '',
      'The same request unsigned gets a 401:',
      '',
      `  curl -i '${base}/hello?name=world'`,
      '',
      `Sign your own: echo '{"method":"GET","url":"${base}/hello"}' | npx edge-auth sign --config infra/demo-config.json --key ${demoKey}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  stop(1);
}
