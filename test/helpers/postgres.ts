// A real PostgreSQL server on 127.0.0.1 for the tests, started once per vitest run by
// ./postgres-global-setup.ts (it is up in well under a second: initdb --no-sync, fsync off), and a fresh
// database per test file so files run in parallel. As root (this machine, CI) the server runs as the
// `postgres` OS user, since initdb and postgres refuse root.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { freePort } from './net.ts';

/** What the global setup hands to the test files: the server's admin URL, or why there is none. */
export type ProvidedPostgres = { readonly url: string } | { readonly error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

const INSTALL_HINT =
  'PostgreSQL is not installed: .ci/run installs it (apt-get install postgresql); or set PG_BIN to a directory holding initdb and postgres';

/** The directory holding initdb and postgres: $PG_BIN, else the highest /usr/lib/postgresql/<n>/bin, else PATH. */
export function findPostgresBin(): string {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    if (has(fromEnv)) return fromEnv;
    throw new Error(`PG_BIN=${fromEnv} holds no initdb and postgres. ${INSTALL_HINT}`);
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) if (has(join(root, v, 'bin'))) return join(root, v, 'bin');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  throw new Error(INSTALL_HINT);
}

/** uid and gid of the `postgres` OS user (from /etc/passwd), for running the server when we are root. */
function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, and there is no `postgres` OS user to run PostgreSQL as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A PostgreSQL server the tests started; `stop()` shuts it down fast and removes its files. */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database (user `edge`, trust authentication). */
  readonly url: string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; cwd: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}:\n${stderr}`))));
  });
}

/** Starts a throwaway PostgreSQL server (initdb into a fresh temporary directory, then postgres on a free port). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const asUser: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUser() : {};
  const dir = mkdtempSync(join(tmpdir(), 'edge-pg-'));
  try {
    if (asUser.uid !== undefined) chownSync(dir, asUser.uid, asUser.gid!);
    const data = join(dir, 'data');
    await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'edge', '--no-sync', '-E', 'UTF8', '--locale=C'], {
      ...asUser,
      cwd: dir,
    });
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(join(bin, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-F'], {
        ...asUser,
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      try {
        await waitUntilReady(child);
      } catch (e) {
        // Another process may have taken the port between freePort() and the bind: try another one.
        if (attempt < 3 && /could not (bind|create listen)/i.test(String(e))) continue;
        throw e;
      }
      // Should the run end without its teardown: SIGQUIT is PostgreSQL's immediate shutdown (it takes its
      // backends down too), and the files go with it.
      const kill = () => {
        child.kill('SIGQUIT');
        rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', kill);
      return {
        url: `postgres://edge@127.0.0.1:${port}/postgres`,
        async stop() {
          process.off('exit', kill);
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function waitUntilReady(child: ChildProcess): Promise<void> {
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!log.includes('database system is ready to accept connections')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`PostgreSQL did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGINT is PostgreSQL's fast shutdown; SIGKILL if it is not down within 10 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** A database of its own for one test file, on the server the global setup started. */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database with a random name. Fails (never skips) when the global setup could not start
 * PostgreSQL, with its reason.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const provided = inject('postgres');
  if ('error' in provided) throw new Error(provided.error);
  const name = `test_${randomBytes(8).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: provided.url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(provided.url);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`) };
}
