// The token service's store over kysely: one implementation for PostgreSQL and SQLite/D1. Every query
// is built with kysely's query builder, so user data only ever travels as bound parameters. Statements
// that must be atomic are single statements both dialects run atomically (D1 has no interactive
// transactions): DELETE ... RETURNING to take a login state, INSERT ... ON CONFLICT DO UPDATE ...
// RETURNING to count, INSERT ... ON CONFLICT DO NOTHING plus a unique index to claim a username.

import type { Kysely, Selectable } from 'kysely';
import { md5Hex } from '../md5.ts';
import type { NormalizedProfile, SetUsernameOutcome, TokenServiceStore, User } from '../types.ts';
import { checkDate, checkString, STORE_LIMITS, StoreInputError, stringProblem } from './errors.ts';
import { migrate } from './migrations.ts';
import { canonicalUsername, cutUsername, MAX_USERNAME_LENGTH } from '../username.ts';
import type { Database, UsersTable } from './schema.ts';

/** Options of createKyselyStore. */
export interface KyselyStoreOptions {
  /**
   * How long, in seconds, a finished rate window is kept before a sweep removes it (default one hour). The
   * sweep never removes a window younger than the window length of the hit that runs it.
   */
  readonly rateWindowRetentionSeconds?: number;
}

// How many username candidates one query checks, and how many rounds (checks plus a lost race each) an
// upsert may take before it gives up: 20 × 50 covers `name` … `name999` and heavy contention.
const CANDIDATES_PER_QUERY = 20;
const MAX_UPSERT_ROUNDS = 50;
const SEQUENTIAL_ROUNDS = 4;

/** A suffix from 1,000,000 to about 4.3 billion (Web Crypto: Node and workerd alike). */
function randomSuffix(): number {
  return 1_000_000 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 4_000_000_000);
}

/**
 * A TokenServiceStore over `db` (PostgreSQL or SQLite/D1 dialect). The store computes the user id itself
 * as md5 hex of the email, as the original did. Values it cannot store are refused with a
 * StoreInputError before any query; lookups by such a value answer "not found" instead. `close()`
 * destroys `db`.
 */
export function createKyselyStore(db: Kysely<Database>, options: KyselyStoreOptions = {}): TokenServiceStore {
  // An hour: counters of clients that never come back (or of an attacker's many addresses) go soon.
  const retention = options.rateWindowRetentionSeconds ?? 60 * 60;

  async function setUsernameOnce(id: string, lower: string): Promise<boolean> {
    const row = await db
      .updateTable('users')
      .set({ username: lower, username_lower: lower, username_chosen: 1 })
      .where('id', '=', id)
      .where('username_chosen', '=', 0)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('users as other').select('other.id').where('other.username_lower', '=', lower).where('other.id', '<>', id))),
      )
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  return {
    async migrate() {
      await migrate(db);
    },

    async getUser(id) {
      if (stringProblem(id, STORE_LIMITS.userId) !== undefined) return undefined;
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },

    async getUserByUsername(username) {
      // A de-duplicated username may be a few digits longer than a wanted one (and lower-casing may
      // lengthen a few characters, such as U+0130).
      if (stringProblem(username, STORE_LIMITS.username + 10) !== undefined) return undefined;
      const lower = canonicalUsername(username);
      const row = await db.selectFrom('users').selectAll().where('username_lower', '=', lower).executeTakeFirst();
      return row && toUser(row);
    },

    async upsertUserFromProfile(profile: NormalizedProfile, now: Date) {
      const email = checkString('email', profile.email, STORE_LIMITS.email);
      const providerId = checkString('providerId', profile.providerId, STORE_LIMITS.providerId);
      const name = profile.name === null ? null : checkString('name', profile.name, STORE_LIMITS.name, true);
      const avatarUrl = profile.avatarUrl === null ? null : checkString('avatarUrl', profile.avatarUrl, STORE_LIMITS.avatarUrl, true);
      const base = canonicalUsername(checkString('username', profile.username, STORE_LIMITS.username));
      const joinDate = checkDate('now', now);
      const id = md5Hex(email);

      let next = 0; // the lowest suffix not known to be taken
      for (let round = 0; round < MAX_UPSERT_ROUNDS; round++) {
        // An existing user: provider id, name and avatar follow the latest login; username and join date stay.
        const updated = await db
          .updateTable('users')
          .set({ provider_id: providerId, name, avatar_url: avatarUrl })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (updated) return { user: toUser(updated), created: false };

        const candidates = Array.from({ length: CANDIDATES_PER_QUERY }, (_, i) => candidate(base, next + i));
        const taken = new Set(
          (await db.selectFrom('users').select('username_lower').where('username_lower', 'in', candidates).execute()).map(
            (r) => r.username_lower,
          ),
        );
        const free = candidates.findIndex((c) => !taken.has(c));
        if (free === -1) {
          // After the first hundred, a random suffix: whoever claims `name` … `name999` to keep someone
          // from signing up cannot guess which one comes next.
          next = round < SEQUENTIAL_ROUNDS ? next + CANDIDATES_PER_QUERY : randomSuffix();
          continue;
        }
        const username = candidates[free]!;
        // Claims the username and the id at once; a concurrent upsert that won either makes this a no-op.
        const inserted = await db
          .insertInto('users')
          .values({
            id,
            provider_id: providerId,
            username,
            username_lower: username,
            name,
            email,
            avatar_url: avatarUrl,
            join_date: joinDate,
            username_chosen: 0,
          })
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        if (inserted) return { user: toUser(inserted), created: true };
        // Lost a race: for the id (the next round's update finds the user) or for the username.
        next += free + 1;
      }
      throw new Error('token service store: no free username found (too many taken or too much contention)');
    },

    async setUsername(id, username): Promise<SetUsernameOutcome> {
      // Checked again once canonical: NFKC can lengthen a name (U+FDFA is 18 characters).
      const lower = checkString(
        'username',
        canonicalUsername(checkString('username', username, STORE_LIMITS.username)),
        STORE_LIMITS.username,
      );
      if (stringProblem(id, STORE_LIMITS.userId) !== undefined) return 'unknown-user';
      try {
        if (await setUsernameOnce(id, lower)) return 'updated';
      } catch (e) {
        // Another user claimed the name between the NOT EXISTS check and the write (PostgreSQL).
        if (!isUniqueViolation(e)) throw e;
      }
      const row = await db.selectFrom('users').select('username_chosen').where('id', '=', id).executeTakeFirst();
      if (!row) return 'unknown-user';
      return Number(row.username_chosen) === 1 ? 'already-set' : 'taken';
    },

    async deleteUser(id) {
      if (stringProblem(id, STORE_LIMITS.userId) !== undefined) return false;
      const row = await db.deleteFrom('users').where('id', '=', id).returning('id').executeTakeFirst();
      return row !== undefined;
    },

    async putLoginState(state, now) {
      // Expired attempts go here too, not only when a callback comes: logins that are started and never
      // finished (or started only to fill the table) do not pile up.
      if (now !== undefined) await db.deleteFrom('login_states').where('expires_at', '<=', checkDate('now', now)).execute();
      await db
        .insertInto('login_states')
        .values({
          id: checkString('id', state.id, STORE_LIMITS.loginStateId),
          provider: checkString('provider', state.provider, STORE_LIMITS.provider),
          code_verifier: checkString('codeVerifier', state.codeVerifier, STORE_LIMITS.codeVerifier),
          expires_at: checkDate('expiresAt', state.expiresAt),
        })
        .execute();
    },

    async takeLoginState(id, now) {
      const at = checkDate('now', now);
      // The sweep comes first, so that a failing sweep never costs a taken state.
      await db.deleteFrom('login_states').where('expires_at', '<=', at).execute();
      if (stringProblem(id, STORE_LIMITS.loginStateId) !== undefined) return undefined;
      const row = await db
        .deleteFrom('login_states')
        .where('id', '=', id)
        .returning(['provider', 'code_verifier', 'expires_at'])
        .executeTakeFirst();
      // Expired between the sweep and the take: removed all the same, and not answered.
      if (!row || row.expires_at <= at) return undefined;
      return { provider: row.provider, codeVerifier: row.code_verifier };
    },

    async hit(key, windowSeconds, now) {
      checkString('key', key, STORE_LIMITS.rateKey);
      if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > STORE_LIMITS.windowSeconds) {
        throw new StoreInputError('windowSeconds', 'invalid-number');
      }
      checkDate('now', now);
      const seconds = Math.floor(now.getTime() / 1000);
      const windowStart = seconds - (seconds % windowSeconds);
      const row = await db
        .insertInto('rate_counters')
        .values({ key, window_start: windowStart, count: 1 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_counters.count', '+', 1) })))
        .returning('count')
        .executeTakeFirstOrThrow();
      const count = Number(row.count);
      if (count === 1) {
        // A new window: this key's older windows are done, and so are everyone's past the retention.
        await db.deleteFrom('rate_counters').where('key', '=', key).where('window_start', '<', windowStart).execute();
        await db
          .deleteFrom('rate_counters')
          .where('window_start', '<', seconds - Math.max(retention, windowSeconds))
          .execute();
      }
      return count;
    },

    async close() {
      await db.destroy();
    },
  };
}

/** `base` with `suffix` (none for 0), the base cut so that the whole stays within the username bound lookups accept. */
function candidate(base: string, suffix: number): string {
  const digits = suffix === 0 ? '' : String(suffix);
  return cutUsername(base, MAX_USERNAME_LENGTH - digits.length) + digits;
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    providerId: row.provider_id,
    username: row.username,
    name: row.name,
    email: row.email,
    avatarUrl: row.avatar_url,
    joinDate: new Date(row.join_date),
    usernameChosen: Number(row.username_chosen) === 1,
  };
}

/** A unique-constraint violation: PostgreSQL's SQLSTATE 23505, or SQLite's (and D1's) message. */
function isUniqueViolation(e: unknown): boolean {
  for (let err = e, depth = 0; err instanceof Error && depth < 4; err = err.cause, depth++) {
    if ((err as { code?: unknown }).code === '23505' || /UNIQUE constraint failed/.test(err.message)) return true;
  }
  return false;
}
