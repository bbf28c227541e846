// A Worker that runs the store over its D1 binding inside workerd (store.workerd.test.ts bundles it the
// way wrangler would): proof that the store's Worker-side files need no Node API and no `pg`.

import { md5Hex } from '../../lib/token-service/md5.ts';
import { openD1Store, type D1DatabaseLike } from '../../lib/token-service/store/d1.ts';
import { StoreInputError } from '../../lib/token-service/store/errors.ts';

export default {
  async fetch(_request: Request, env: { DB: D1DatabaseLike }): Promise<Response> {
    const store = openD1Store(env.DB);
    const now = new Date('2026-05-01T12:00:00.000Z');
    await store.migrate();
    await store.migrate();
    const first = await store.upsertUserFromProfile(
      { provider: 'github', providerId: 'github:1', name: "O'Brien 🚀", email: 'ob@example.com', username: 'OBrien', avatarUrl: null },
      now,
    );
    const second = await store.upsertUserFromProfile(
      { provider: 'google', providerId: 'google:2', name: null, email: 'ob2@example.com', username: 'obrien', avatarUrl: null },
      now,
    );
    await store.putLoginState({ id: 's', provider: 'github', codeVerifier: 'v', expiresAt: new Date(now.getTime() + 60_000) });
    const takes = [await store.takeLoginState('s', now), await store.takeLoginState('s', now)];
    const hits = [await store.hit('k', 60, now), await store.hit('k', 60, now)];
    let refused = '';
    try {
      await store.setUsername(first.user.id, 'x\0');
    } catch (e) {
      refused = e instanceof StoreInputError ? `${e.field}:${e.problem}` : 'other';
    }
    await store.close();
    return Response.json({
      idIsMd5: first.user.id === md5Hex('ob@example.com'),
      names: [first.user.username, second.user.username],
      name: first.user.name,
      takes,
      hits,
      refused,
    });
  },
};
