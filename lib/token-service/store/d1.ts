// The store over a Cloudflare D1 binding, through kysely-d1's dialect. Checked with kysely 0.28: its
// driver only uses prepare/bind/all, which have not changed, and it has no transactions, which the store
// does not need. One part is replaced: kysely's SQLite introspector (which the Migrator uses to see
// whether its tables exist) reads pragma_table_info() of every table, and D1 refuses that for its own
// `_cf_*` tables (SQLITE_AUTH), so the Migrator would fail on every D1 database. And its results lose the
// deprecated `numUpdatedOrDeletedRows` it still sets, for which kysely 0.28 logs an "outdated driver"
// warning (`numAffectedRows` carries the same). No platform imports:
// the binding is typed structurally, so this file needs neither @cloudflare/workers-types nor workerd.

import {
  Kysely,
  sql,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Dialect,
  type Driver,
  type QueryResult,
  type TableMetadata,
} from 'kysely';
import { D1Dialect } from 'kysely-d1';
import type { TokenServiceStore } from '../types.ts';
import { createKyselyStore, type KyselyStoreOptions } from './kysely-store.ts';
import type { Database } from './schema.ts';

/** The part of a D1 prepared statement the dialect uses. */
export interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  all(): Promise<{ results?: unknown[]; error?: string; meta: { changes: number; last_row_id?: number | null } }>;
}

/** The part of a D1 database binding (`env.DB`) the dialect uses. */
export interface D1DatabaseLike {
  prepare(query: string): D1PreparedStatementLike;
}

/**
 * A TokenServiceStore over a D1 binding. Call `migrate()` before first use (it is idempotent).
 *
 * @example
 * const store = openD1Store(env.DB);
 * await store.migrate();
 */
export function openD1Store(binding: D1DatabaseLike, options?: KyselyStoreOptions): TokenServiceStore {
  // kysely-d1 types its config with @cloudflare/workers-types' D1Database, which this project does not
  // install; the structural type above is what its driver calls.
  const d1 = new D1Dialect({ database: binding as ConstructorParameters<typeof D1Dialect>[0]['database'] });
  const dialect: Dialect = {
    createAdapter: () => d1.createAdapter(),
    createDriver: () => withoutDeprecatedResultField(d1.createDriver()),
    createQueryCompiler: () => d1.createQueryCompiler(),
    createIntrospector: (db) => new D1Introspector(db),
  };
  return createKyselyStore(new Kysely<Database>({ dialect }), options);
}

/**
 * Table names without columns (all the Migrator asks for), skipping SQLite's and D1's internal tables,
 * whose column lists D1 does not let us read.
 */
class D1Introspector implements DatabaseIntrospector {
  constructor(private readonly db: Parameters<Dialect['createIntrospector']>[0]) {}

  getSchemas() {
    return Promise.resolve([]);
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      name: string;
      type: string;
    }>`select name, type from sqlite_master where type in ('table', 'view')`.execute(this.db);
    return rows
      .filter((r) => !r.name.startsWith('sqlite_') && !r.name.startsWith('_cf_'))
      .map((r) => ({ name: r.name, isView: r.type === 'view', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/** The driver, with `numUpdatedOrDeletedRows` taken out of every result (see the top of this file). */
function withoutDeprecatedResultField(driver: Driver): Driver {
  const wrap = (conn: DatabaseConnection): DatabaseConnection => ({
    async executeQuery<R>(query: Parameters<DatabaseConnection['executeQuery']>[0]): Promise<QueryResult<R>> {
      const { numUpdatedOrDeletedRows: _, ...result } = (await conn.executeQuery<R>(query)) as QueryResult<R> & {
        numUpdatedOrDeletedRows?: bigint;
      };
      return result;
    },
    streamQuery: (query, chunkSize) => conn.streamQuery(query, chunkSize),
  });
  const unwrap = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const inner = (conn: DatabaseConnection) => unwrap.get(conn) ?? conn;
  return {
    init: () => driver.init(),
    async acquireConnection() {
      const conn = await driver.acquireConnection();
      const wrapped = wrap(conn);
      unwrap.set(wrapped, conn);
      return wrapped;
    },
    beginTransaction: (conn, settings) => driver.beginTransaction(inner(conn), settings),
    commitTransaction: (conn) => driver.commitTransaction(inner(conn)),
    rollbackTransaction: (conn) => driver.rollbackTransaction(inner(conn)),
    releaseConnection: (conn) => driver.releaseConnection(inner(conn)),
    destroy: () => driver.destroy(),
  };
}
