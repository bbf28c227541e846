// The store over PostgreSQL (Node): kysely's PostgresDialect on a bounded `pg` pool. `pg` is imported
// dynamically here and nowhere else, so a Worker bundle (which imports ./d1.ts and ./kysely-store.ts)
// never pulls it in.

import { Kysely, PostgresDialect } from 'kysely';
import type { TokenServiceStore } from '../types.ts';
import { createKyselyStore, type KyselyStoreOptions } from './kysely-store.ts';
import type { Database } from './schema.ts';

/** Options of openPostgresStore: the store's own, plus the pool's bounds. */
export interface PostgresStoreOptions extends KyselyStoreOptions {
  /** Most connections the pool opens (default 5). */
  readonly maxConnections?: number;
  /** How long to wait for a connection, in ms (default 5000). */
  readonly connectionTimeoutMillis?: number;
  /** The server's `statement_timeout` for every connection, in ms (default 10000). */
  readonly statementTimeoutMillis?: number;
  /** How long an idle connection is kept, in ms (default 30000). */
  readonly idleTimeoutMillis?: number;
}

/**
 * A TokenServiceStore over the PostgreSQL database at `databaseUrl` (`postgres://user:pass@host:port/db`).
 * Opens no connection until the first query; call `migrate()` before first use. `close()` ends the pool.
 *
 * @example
 * const store = await openPostgresStore(process.env.DATABASE_URL!);
 * await store.migrate();
 */
export async function openPostgresStore(databaseUrl: string, options: PostgresStoreOptions = {}): Promise<TokenServiceStore> {
  const { Pool } = await import('pg');
  const statementTimeout = options.statementTimeoutMillis ?? 10_000;
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 5,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    statement_timeout: statementTimeout,
    // The client side gives up a little later than the server, for a server that stops answering.
    query_timeout: statementTimeout + 5_000,
    application_name: 'edge-authorizer-token-service',
  });
  // An idle connection that breaks (server restart) emits 'error' on the pool; unhandled it would end the
  // process. The pool drops that connection, and the next query opens a new one or fails on its own.
  pool.on('error', () => {});
  return createKyselyStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), options);
}
