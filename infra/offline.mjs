// `npm run offline`: the Lambda authorizer and demo integrations under serverless-offline on
// 127.0.0.1 (Serverless Framework 3, which needs no login). Serverless writes under HOME, so HOME
// points at an ignored folder inside the project; telemetry and notifications are off.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(root, '.home');
mkdirSync(home, { recursive: true });

export function offlineEnv(extra = {}) {
  return {
    ...process.env,
    HOME: home,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'offline',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
    AUTH_CONFIG_FILE: process.env.AUTH_CONFIG_FILE ?? join(root, 'infra', 'lambda-demo-config.json'),
    ...extra,
  };
}

export function startOffline(extraEnv = {}) {
  return spawn(process.execPath, [join(root, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'offline', 'start'], {
    cwd: root,
    env: offlineEnv(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const child = startOffline();
  child.stdout.pipe(process.stdout);
  child.stderr.pipe(process.stderr);
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}
