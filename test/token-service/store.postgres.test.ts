// The store contract on a real PostgreSQL server (started once per run by test/helpers/postgres-global-setup.ts),
// and what only the PostgreSQL opener has: concurrent migrations, and a pool that fails fast.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../lib/token-service/store/postgres.ts';
import { freePort } from '../helpers/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { describeStoreContract } from './store.contract.ts';

describeStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = await openPostgresStore(database.url);
  return {
    store,
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
});

describe('openPostgresStore', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('lets several instances migrate one empty database at once (kysely locks the migration table)', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(database.url)));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const { user } = await stores[0]!.upsertUserFromProfile(
        { provider: 'github', providerId: 'github:1', name: null, email: 'm@example.com', username: 'm', avatarUrl: null },
        new Date(),
      );
      expect((await stores[3]!.getUser(user.id))?.username).toBe('m');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('rejects, rather than hangs, when the server is unreachable', async () => {
    const store = await openPostgresStore(`postgres://edge@127.0.0.1:${await freePort()}/none`, { connectionTimeoutMillis: 1000 });
    try {
      const started = Date.now();
      await expect(store.getUser('x')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await store.close();
    }
  });
});
