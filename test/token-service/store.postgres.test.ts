// The store contract on a real PostgreSQL server (started once per run by test/helpers/postgres-global-setup.ts).

import { openPostgresStore } from '../../lib/token-service/store/postgres.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
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
