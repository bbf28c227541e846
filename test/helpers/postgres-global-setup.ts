// Vitest global setup: one PostgreSQL server for the whole run (start-up measured at about 0.7 s, so it
// starts unconditionally). When PostgreSQL is missing or does not start, the run goes on and every test
// file that asks for a database fails with the reason (see createTestDatabase); nothing is skipped.

import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './postgres.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: PostgresServer | undefined;
  try {
    const started = Date.now();
    server = await startPostgres();
    if (process.env.PG_TIMING) console.log(`PostgreSQL up in ${Date.now() - started} ms`);
    project.provide('postgres', { url: server.url });
  } catch (e) {
    project.provide('postgres', { error: e instanceof Error ? e.message : String(e) });
  }
  return async () => {
    await server?.stop();
  };
}
