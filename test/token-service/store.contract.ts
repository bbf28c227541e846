// The TokenServiceStore contract, run against every backing database (store.postgres.test.ts,
// store.d1.test.ts): the same cases must pass on PostgreSQL and on D1, which is what lets the app run on
// either. Each test uses names of its own, so the cases share one migrated database per file.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex } from '../../lib/token-service/md5.ts';
import { canonicalUsername } from '../../lib/token-service/username.ts';
import { STORE_LIMITS, StoreInputError } from '../../lib/token-service/store/errors.ts';
import type { NormalizedProfile, TokenServiceStore } from '../../lib/token-service/types.ts';

/** Opens a store on a fresh, empty database; `cleanup` closes it and removes the database. */
export type OpenStore = () => Promise<{ readonly store: TokenServiceStore; readonly cleanup: () => Promise<void> }>;

const T0 = new Date('2026-05-01T12:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

function profile(over: Partial<NormalizedProfile> & { email: string }): NormalizedProfile {
  return {
    provider: 'github',
    providerId: `github:${over.email}`,
    name: 'A Name',
    username: over.email.split('@')[0]!,
    avatarUrl: 'https://avatars.example/u/1',
    ...over,
  };
}

async function refusal(p: Promise<unknown>): Promise<{ field: string; problem: string }> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'a StoreInputError').toBeInstanceOf(StoreInputError);
  const { field, problem } = e as StoreInputError;
  return { field, problem };
}

// Values with SQL-significant or otherwise awkward characters; each must come back byte for byte.
const AWKWARD: readonly [string, string][] = [
  ['single quote', "o'brien"],
  ['double quote', 'say "hi"'],
  ['semicolon and comment', "x'; drop table users; --"],
  ['backslash', 'back\\slash\\'],
  ['LIKE wildcards', '100%_done'],
  ['placeholder look-alikes', '$1 ? :name @p1'],
  ['emoji (4-byte UTF-8)', 'rocket 🚀 𝒳'],
  ['right-to-left', 'שלום مرحبا'],
  ['combining and zero-width', 'e\u0301\u200b\u200d'],
  ['control characters but NUL', '\t\n\r\u0001\u007f'],
];

export function describeStoreContract(label: string, open: OpenStore): void {
  describe(`TokenServiceStore contract: ${label}`, () => {
    let store: TokenServiceStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
    });
    afterAll(async () => {
      await cleanup?.();
    });

    describe('migrate', () => {
      it('runs again (and again) without error, keeping the data', async () => {
        await store.upsertUserFromProfile(profile({ email: 'migrate@example.com' }), T0);
        await store.migrate();
        await store.migrate();
        expect((await store.getUser(md5Hex('migrate@example.com')))?.username).toBe('migrate');
      });
    });

    describe('users', () => {
      it('creates a user with id = md5(email), the username lower-cased, joined now, username not chosen', async () => {
        const p = profile({ email: 'Frank@Example.com', username: 'FrankTheTank', name: 'Frank', providerId: 'github:42' });
        const { user, created } = await store.upsertUserFromProfile(p, T0);
        expect(created).toBe(true);
        expect(user).toEqual({
          id: md5Hex('Frank@Example.com'),
          providerId: 'github:42',
          username: 'frankthetank',
          name: 'Frank',
          email: 'Frank@Example.com',
          avatarUrl: 'https://avatars.example/u/1',
          joinDate: T0,
          usernameChosen: false,
        });
        expect(await store.getUser(user.id)).toEqual(user);
      });

      it('updates provider id, name and avatar of an existing user, keeping username and join date', async () => {
        const first = await store.upsertUserFromProfile(profile({ email: 'grace@example.com', username: 'grace' }), T0);
        const again = await store.upsertUserFromProfile(
          profile({ email: 'grace@example.com', username: 'hopper', providerId: 'google:7', name: null, avatarUrl: null }),
          later(86_400_000),
        );
        expect(again.created).toBe(false);
        expect(again.user).toEqual({ ...first.user, providerId: 'google:7', name: null, avatarUrl: null });
        expect(await store.getUser(first.user.id)).toEqual(again.user);
      });

      it('de-duplicates usernames case-insensitively: alice, alice1, alice2', async () => {
        const names = [];
        for (const [email, username] of [
          ['alice@a.example', 'alice'],
          ['alice@b.example', 'Alice'],
          ['alice@c.example', 'ALICE'],
        ] as const) {
          names.push((await store.upsertUserFromProfile(profile({ email, username }), T0)).user.username);
        }
        expect(names).toEqual(['alice', 'alice1', 'alice2']);
      });

      it('skips suffixes already taken (bob and bob1 taken: bob2), and past the first batch of candidates', async () => {
        await store.upsertUserFromProfile(profile({ email: 'bob@a.example', username: 'bob' }), T0);
        await store.upsertUserFromProfile(profile({ email: 'bob1@a.example', username: 'bob1' }), T0);
        expect((await store.upsertUserFromProfile(profile({ email: 'bob@b.example', username: 'bob' }), T0)).user.username).toBe('bob2');
        for (let i = 0; i < 25; i++) await store.upsertUserFromProfile(profile({ email: `many${i}@x.example`, username: 'many' }), T0);
        const last = await store.upsertUserFromProfile(profile({ email: 'many-last@x.example', username: 'many' }), T0);
        expect(last.user.username).toBe('many25');
      });

      it('past the first hundred taken, a random suffix (claiming name … name999 cannot block a sign-up)', async () => {
        for (let i = 0; i < 80; i++) await store.upsertUserFromProfile(profile({ email: `crowd${i}@x.example`, username: 'crowd' }), T0);
        const next = (await store.upsertUserFromProfile(profile({ email: 'crowd-80@x.example', username: 'crowd' }), T0)).user.username;
        expect(next).toBe('crowd80');
        for (let i = 81; i < 100; i++) await store.upsertUserFromProfile(profile({ email: `crowd${i}@x.example`, username: 'crowd' }), T0);
        const late = (await store.upsertUserFromProfile(profile({ email: 'crowd-late@x.example', username: 'crowd' }), T0)).user.username;
        expect(late).toMatch(/^crowd\d{7,10}$/);
        expect(Number(late.slice(5))).toBeGreaterThanOrEqual(1_000_000);
      }, 60_000);

      it('gives 10 concurrent new users wanting the same username 10 distinct usernames', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.upsertUserFromProfile(profile({ email: `carol${i}@example.com`, username: 'Carol' }), T0),
          ),
        );
        expect(results.every((r) => r.created)).toBe(true);
        expect(new Set(results.map((r) => r.user.username))).toEqual(
          new Set(['carol', ...Array.from({ length: 9 }, (_, i) => `carol${i + 1}`)]),
        );
      });

      it('creates one user when the same new user logs in 5 times at once', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, () => store.upsertUserFromProfile(profile({ email: 'dup@example.com', username: 'dup' }), T0)),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.user.username))).toEqual(new Set(['dup']));
      });

      it('finds users by username case-insensitively, and nothing for unknown names or ids', async () => {
        const { user } = await store.upsertUserFromProfile(profile({ email: 'dave@example.com', username: 'DaVe' }), T0);
        expect(await store.getUserByUsername('DAVE')).toEqual(user);
        expect(await store.getUserByUsername('dave')).toEqual(user);
        expect(await store.getUserByUsername('davey')).toBeUndefined();
        expect(await store.getUser(md5Hex('nobody@example.com'))).toBeUndefined();
      });

      it('does not treat % and _ in a username lookup as LIKE wildcards', async () => {
        await store.upsertUserFromProfile(profile({ email: 'wild@example.com', username: 'wild_card%' }), T0);
        expect((await store.getUserByUsername('wild_card%'))?.email).toBe('wild@example.com');
        for (const probe of ['wildxcard%', 'wild_cardxyz', 'wild%', '%', '_', 'wild_card_']) {
          expect(await store.getUserByUsername(probe), probe).toBeUndefined();
        }
      });

      it('sets a username once: updated, then already-set; lower-cased and found by it', async () => {
        const { user } = await store.upsertUserFromProfile(profile({ email: 'erin@example.com', username: 'erin' }), T0);
        expect(await store.setUsername(user.id, 'Erin-The-Great')).toBe('updated');
        const after = await store.getUser(user.id);
        expect(after).toEqual({ ...user, username: 'erin-the-great', usernameChosen: true });
        expect(await store.getUserByUsername('ERIN-the-great')).toEqual(after);
        expect(await store.getUserByUsername('erin')).toBeUndefined();
        expect(await store.setUsername(user.id, 'another')).toBe('already-set');
        expect(await store.setUsername(user.id, 'erin-the-great')).toBe('already-set');
      });

      it("refuses a username another user has, case-insensitively (taken); keeping one's own is fine", async () => {
        await store.upsertUserFromProfile(profile({ email: 'heidi@example.com', username: 'heidi' }), T0);
        const { user: ivan } = await store.upsertUserFromProfile(profile({ email: 'ivan@example.com', username: 'ivan' }), T0);
        expect(await store.setUsername(ivan.id, 'HEIDI')).toBe('taken');
        expect((await store.getUser(ivan.id))?.usernameChosen).toBe(false);
        expect(await store.setUsername(ivan.id, 'Ivan')).toBe('updated');
      });

      it('answers unknown-user for an id nobody has', async () => {
        expect(await store.setUsername(md5Hex('ghost@example.com'), 'ghost')).toBe('unknown-user');
      });

      it('lets exactly one of 10 concurrent setUsername calls for the same name win', async () => {
        const users = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.upsertUserFromProfile(profile({ email: `race${i}@example.com`, username: `race${i}x` }), T0),
          ),
        );
        const outcomes = await Promise.all(users.map(({ user }) => store.setUsername(user.id, 'the-one')));
        expect(outcomes.filter((o) => o === 'updated')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'taken')).toHaveLength(9);
      });

      it('deletes a user once, freeing the username', async () => {
        const { user } = await store.upsertUserFromProfile(profile({ email: 'judy@example.com', username: 'judy' }), T0);
        expect(await store.deleteUser(user.id)).toBe(true);
        expect(await store.deleteUser(user.id)).toBe(false);
        expect(await store.getUser(user.id)).toBeUndefined();
        expect(await store.getUserByUsername('judy')).toBeUndefined();
        const again = await store.upsertUserFromProfile(profile({ email: 'judy2@example.com', username: 'judy' }), T0);
        expect(again.user.username).toBe('judy');
      });

      it.each(AWKWARD)('stores and returns %s intact in every user field', async (_, value) => {
        const email = `${value}@example.com`;
        const p = profile({ email, username: value, name: value, providerId: `github:${value}`, avatarUrl: `https://x.example/${value}` });
        const { user, created } = await store.upsertUserFromProfile(p, T0);
        expect(created).toBe(true);
        expect(user).toMatchObject({
          id: md5Hex(email),
          email,
          name: value,
          providerId: `github:${value}`,
          avatarUrl: `https://x.example/${value}`,
          // Usernames are kept in their canonical form (username.ts): for ASCII, lower-cased.
          username: canonicalUsername(value),
        });
        expect(await store.getUser(user.id)).toEqual(user);
        expect(await store.getUserByUsername(value.toUpperCase())).toEqual(user);
        expect(await store.setUsername(user.id, `${value}!`)).toBe('updated');
        expect((await store.getUser(user.id))?.username).toBe(canonicalUsername(`${value}!`));
      });
    });

    describe('usernames in one spelling, whoever calls the store', () => {
      it('setUsername and lookups take a name in its canonical form: NFD and NFC, fullwidth and ASCII are one name', async () => {
        const tag = String(Date.now() % 100000);
        const a = (await store.upsertUserFromProfile(profile({ email: `nfd${tag}@example.com`, username: `a${tag}` }), T0)).user;
        const b = (await store.upsertUserFromProfile(profile({ email: `nfc${tag}@example.com`, username: `b${tag}` }), T0)).user;
        expect(await store.setUsername(a.id, `jose\u0301${tag}`)).toBe('updated');
        expect(await store.setUsername(b.id, `jos\u00e9${tag}`)).toBe('taken');
        expect((await store.getUserByUsername(`JOS\u00c9${tag}`))?.id).toBe(a.id);
        const c = (await store.upsertUserFromProfile(profile({ email: `fw${tag}@example.com`, username: `\uff57\uff49\uff44${tag}` }), T0))
          .user;
        expect(c.username).toBe(`wid${tag}`);
        expect((await store.getUserByUsername(`wid${tag}`))?.id).toBe(c.id);
      });

      it('a de-duplicated sign-up name stays within 64 characters', async () => {
        const base = 'n'.repeat(64);
        const first = await store.upsertUserFromProfile(profile({ email: `long1-${Date.now()}@example.com`, username: base }), T0);
        const second = await store.upsertUserFromProfile(profile({ email: `long2-${Date.now()}@example.com`, username: base }), T0);
        for (const { user } of [first, second]) {
          expect(user.username.length).toBeLessThanOrEqual(64);
          expect((await store.getUserByUsername(user.username))?.id).toBe(user.id);
        }
        expect(second.user.username).not.toBe(first.user.username);
      });
    });

    describe('refused input', () => {
      it('refuses a username that its canonical form makes too long (U+FDFA is 18 characters once canonical)', async () => {
        const { user } = await store.upsertUserFromProfile(profile({ email: `fdfa-${Date.now()}@example.com` }), T0);
        expect(await refusal(store.setUsername(user.id, '\ufdfa'.repeat(10)))).toEqual({ field: 'username', problem: 'too-long' });
        expect((await store.getUser(user.id))?.usernameChosen).toBe(false);
      });

      it('refuses NUL in any user field with a StoreInputError (PostgreSQL text cannot hold it)', async () => {
        const base = { email: 'nul@example.com' };
        expect(await refusal(store.upsertUserFromProfile(profile({ ...base, name: 'a\0b' }), T0))).toEqual({
          field: 'name',
          problem: 'invalid-characters',
        });
        expect(await refusal(store.upsertUserFromProfile(profile({ ...base, username: 'a\0' }), T0))).toMatchObject({ field: 'username' });
        expect(await refusal(store.upsertUserFromProfile(profile({ email: 'n\0l@example.com' }), T0))).toMatchObject({ field: 'email' });
        expect(await refusal(store.upsertUserFromProfile(profile({ ...base, providerId: 'github:\0' }), T0))).toMatchObject({
          field: 'providerId',
        });
        expect(await refusal(store.upsertUserFromProfile(profile({ ...base, avatarUrl: '\0' }), T0))).toMatchObject({ field: 'avatarUrl' });
        expect(await store.getUser(md5Hex('nul@example.com'))).toBeUndefined();
      });

      it('refuses a lone UTF-16 surrogate (it would be stored changed)', async () => {
        expect(await refusal(store.upsertUserFromProfile(profile({ email: 'sur@example.com', name: 'x\uD83D' }), T0))).toEqual({
          field: 'name',
          problem: 'invalid-characters',
        });
      });

      it('answers "not found" to lookups by values that cannot be stored, without a driver error', async () => {
        const { user } = await store.upsertUserFromProfile(profile({ email: 'kim@example.com', username: 'kim' }), T0);
        expect(await store.getUser('a\0b')).toBeUndefined();
        expect(await store.getUser('x'.repeat(10_000))).toBeUndefined();
        expect(await store.getUserByUsername('kim\0')).toBeUndefined();
        expect(await store.deleteUser('\0')).toBe(false);
        expect(await store.setUsername('\0', 'fine')).toBe('unknown-user');
        expect(await refusal(store.setUsername(user.id, 'k\0m'))).toEqual({ field: 'username', problem: 'invalid-characters' });
        expect(await store.takeLoginState('\0', T0)).toBeUndefined();
        expect(await refusal(store.hit('k\0', 60, T0))).toEqual({ field: 'key', problem: 'invalid-characters' });
      });

      it.each([
        ['name', { name: 'n'.repeat(10_000) }],
        ['name', { name: 'n'.repeat(STORE_LIMITS.name + 1) }],
        ['username', { username: 'u'.repeat(STORE_LIMITS.username + 1) }],
        ['username', { username: '' }],
        ['avatarUrl', { avatarUrl: 'https://x.example/' + 'a'.repeat(STORE_LIMITS.avatarUrl) }],
        ['providerId', { providerId: 'p'.repeat(STORE_LIMITS.providerId + 1) }],
        ['email', { email: 'e'.repeat(STORE_LIMITS.email) + '@x.example' }],
        ['email', { email: '' }],
      ] as const)('refuses an oversized or empty %s', async (field, over) => {
        const { problem, field: f } = await refusal(store.upsertUserFromProfile(profile({ email: 'big@example.com', ...over }), T0));
        expect(f).toBe(field);
        expect(['too-long', 'empty']).toContain(problem);
      });

      it('accepts values exactly at the bounds', async () => {
        const p = profile({
          email: `${'e'.repeat(STORE_LIMITS.email - 10)}@x.example`,
          name: '名'.repeat(STORE_LIMITS.name),
          username: 'u'.repeat(STORE_LIMITS.username),
          providerId: 'p'.repeat(STORE_LIMITS.providerId),
          avatarUrl: 'a'.repeat(STORE_LIMITS.avatarUrl),
        });
        const { user } = await store.upsertUserFromProfile(p, T0);
        expect(await store.getUser(user.id)).toEqual(user);
        expect(user.name).toBe(p.name);
      });

      it('refuses an invalid date, an oversized login state and a bad window', async () => {
        expect(await refusal(store.upsertUserFromProfile(profile({ email: 'date@example.com' }), new Date(NaN)))).toEqual({
          field: 'now',
          problem: 'invalid-date',
        });
        const state = {
          id: 's-big',
          provider: 'github',
          codeVerifier: 'v'.repeat(STORE_LIMITS.codeVerifier + 1),
          expiresAt: later(60_000),
        };
        expect(await refusal(store.putLoginState(state))).toEqual({ field: 'codeVerifier', problem: 'too-long' });
        expect(await refusal(store.hit('k', 0, T0))).toEqual({ field: 'windowSeconds', problem: 'invalid-number' });
        expect(await refusal(store.hit('k', 1.5, T0))).toEqual({ field: 'windowSeconds', problem: 'invalid-number' });
        expect(await refusal(store.hit('x'.repeat(STORE_LIMITS.rateKey + 1), 60, T0))).toEqual({ field: 'key', problem: 'too-long' });
      });
    });

    describe('login states', () => {
      const state = (id: string, expiresAt = later(600_000)) => ({ id, provider: 'github', codeVerifier: `verifier-${id}`, expiresAt });

      it('takes a state once; a replay gets nothing', async () => {
        await store.putLoginState(state('s1'));
        expect(await store.takeLoginState('s1', T0)).toEqual({ provider: 'github', codeVerifier: 'verifier-s1' });
        expect(await store.takeLoginState('s1', T0)).toBeUndefined();
      });

      it('gives nothing for an unknown id', async () => {
        expect(await store.takeLoginState('never-put', T0)).toBeUndefined();
      });

      it('gives nothing for an expired state (at and after its expiry), and removes it', async () => {
        await store.putLoginState(state('s-exp', later(1000)));
        expect(await store.takeLoginState('s-exp', later(1000))).toBeUndefined();
        expect(await store.takeLoginState('s-exp', T0)).toBeUndefined();
        await store.putLoginState(state('s-ok', later(1000)));
        expect(await store.takeLoginState('s-ok', later(999))).toEqual({ provider: 'github', codeVerifier: 'verifier-s-ok' });
      });

      it('sweeps expired states of others when taking one', async () => {
        await store.putLoginState(state('s-stale', later(1000)));
        await store.takeLoginState('unrelated', later(5000));
        expect(await store.takeLoginState('s-stale', T0)).toBeUndefined();
      });

      it('sweeps expired states when a new one is put (logins started and never finished do not pile up)', async () => {
        await store.putLoginState(state('s-abandoned', later(1000)));
        await store.putLoginState(state('s-new', later(600_000)), later(2000));
        // Taken with a clock before its expiry, it would be answered if it were still there.
        expect(await store.takeLoginState('s-abandoned', T0)).toBeUndefined();
        expect(await store.takeLoginState('s-new', later(2000))).toEqual({ provider: 'github', codeVerifier: 'verifier-s-new' });
      });

      it('lets exactly one of 20 concurrent takes of one state win', async () => {
        await store.putLoginState(state('s-race'));
        const taken = await Promise.all(Array.from({ length: 20 }, () => store.takeLoginState('s-race', T0)));
        expect(taken.filter((t) => t !== undefined)).toEqual([{ provider: 'github', codeVerifier: 'verifier-s-race' }]);
      });

      it.each(AWKWARD)('keeps %s intact in id, provider and verifier', async (_, value) => {
        const s = { id: `id ${value}`, provider: value, codeVerifier: value, expiresAt: later(60_000) };
        await store.putLoginState(s);
        expect(await store.takeLoginState(s.id, T0)).toEqual({ provider: value, codeVerifier: value });
      });
    });

    describe('rate counters', () => {
      it('counts per key within a window', async () => {
        expect(await store.hit('ip:1', 60, T0)).toBe(1);
        expect(await store.hit('ip:1', 60, later(1000))).toBe(2);
        expect(await store.hit('ip:2', 60, later(1000))).toBe(1);
        expect(await store.hit('ip:1', 60, later(59_999))).toBe(3);
      });

      it('starts again at 1 in a new window, and drops the old window', async () => {
        const start = new Date('2026-05-01T13:00:00.000Z'); // a multiple of 60 s
        expect(await store.hit('ip:w', 60, start)).toBe(1);
        expect(await store.hit('ip:w', 60, start)).toBe(2);
        expect(await store.hit('ip:w', 60, new Date(start.getTime() + 60_000))).toBe(1);
        // The old window was removed when the new one began: a (late) hit in it starts over.
        expect(await store.hit('ip:w', 60, start)).toBe(1);
      });

      it('counts 50 concurrent hits exactly (every count from 1 to 50 once)', async () => {
        const counts = await Promise.all(Array.from({ length: 50 }, () => store.hit('ip:burst', 3600, T0)));
        expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(await store.hit('ip:burst', 3600, T0)).toBe(51);
      });

      it('keeps awkward keys apart and intact', async () => {
        for (const [, value] of AWKWARD) expect(await store.hit(value, 60, T0), value).toBe(1);
        expect(await store.hit(AWKWARD[0]![1], 60, T0)).toBe(2);
      });
    });
  });
}
