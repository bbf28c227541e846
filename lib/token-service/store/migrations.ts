// The store's schema as code: kysely migrations from an in-code provider (no filesystem, so they run on
// workerd too), written with kysely's schema builder in the subset that PostgreSQL and SQLite/D1 both
// accept. Column representations are described in ./schema.ts. A migration, once released, is never
// edited: a change is a new migration with the next number.

import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema.ts';

/** Kysely's bookkeeping tables, named for this store so another kysely user of the same database is not confused. */
export const MIGRATION_TABLE = 'token_service_migration';
/** The lock table kysely's Migrator holds while it migrates (PostgreSQL: concurrent starts wait on it). */
export const MIGRATION_LOCK_TABLE = 'token_service_migration_lock';

// Names sort in the order the migrations must run (kysely runs them in name order).
const migrations: Record<string, Migration> = {
  '0001_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lower', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('avatar_url', 'text')
        .addColumn('join_date', 'text', (c) => c.notNull())
        .addColumn('username_chosen', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Case-insensitive uniqueness over a column lower-cased in JS: an index on lower(username) would
      // differ between the dialects (SQLite's lower() folds ASCII only).
      await db.schema.createIndex('users_username_lower_key').on('users').column('username_lower').unique().execute();
    },
  },
  '0002_login_states': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('login_states')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      // For the sweep of expired states.
      await db.schema.createIndex('login_states_expires_at_idx').on('login_states').column('expires_at').execute();
    },
  },
  '0003_rate_counters': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_counters')
        .addColumn('key', 'text', (c) => c.notNull())
        // Seconds since the epoch: bigint so it outlives 2038 (SQLite gives it integer affinity).
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_counters_pkey', ['key', 'window_start'])
        .execute();
      // For the sweep of old windows.
      await db.schema.createIndex('rate_counters_window_start_idx').on('rate_counters').column('window_start').execute();
    },
  },
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** The names of the store's migrations, in the order they run. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

/**
 * Runs the migrations that have not run yet; running it again is a no-op. On PostgreSQL kysely runs them in
 * one transaction under a row lock, so concurrent starts are safe; D1 has no transactions, so there two
 * instances migrating the same empty database at once may see one of them fail (the other succeeds).
 *
 * @throws Error naming the failed migration, with the database's error as `cause`.
 */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'bookkeeping';
    throw new Error(`token service store: migration ${failed} failed`, { cause: error });
  }
}
