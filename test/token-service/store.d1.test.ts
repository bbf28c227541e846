// The store contract on D1, under Miniflare (an in-memory database, nothing persisted).

import { randomUUID } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { openD1Store, type D1DatabaseLike } from '../../lib/token-service/store/d1.ts';
import { describeStoreContract } from './store.contract.ts';

process.env.WRANGLER_SEND_METRICS = 'false';

describeStoreContract('D1 (Miniflare)', async () => {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null) } }',
    d1Databases: { DB: randomUUID() },
  });
  const binding = (await mf.getD1Database('DB')) as unknown as D1DatabaseLike;
  const store = openD1Store(binding);
  return {
    store,
    async cleanup() {
      await store.close();
      await mf.dispose();
    },
  };
});
