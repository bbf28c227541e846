import { describe, expect, it } from 'vitest';
import { createCachedKeyStore, type KeyCacheEvent } from './cache.ts';
import { recordIssueLines, type KeyRecordIssue } from './record.ts';
import { secretBindingSource } from './secret-binding.ts';
import { KeyStoreError } from './types.ts';

const GOOD = [
  { id: 'AKIDBIND0001', scheme: 'sigv4', secret: 'binding-secret-0001', principal: 'one' },
  { id: 'AKIDBIND0002', secrets: ['binding-secret-0002', 'binding-secret-0003'], principal: 'two', permissions: ['items:read'] },
];
const BAD_SECRET = 'short';
const BAD = { id: 'AKIDBINDBAD1', secret: BAD_SECRET, principal: 'bad' };

function store(value: unknown, opts: { now?: () => number; events?: KeyCacheEvent[]; issues?: KeyRecordIssue[][] } = {}) {
  let reads = 0;
  const keys = createCachedKeyStore(
    secretBindingSource({
      value: () => {
        reads++;
        return typeof value === 'function' ? (value as () => unknown)() : value;
      },
      schemes: ['sigv4'],
      onIssues: (i) => opts.issues?.push([...i]),
    }),
    { ttlSeconds: 60, clock: opts.now ?? (() => 1_000_000), onEvent: (e) => opts.events?.push(e) },
  );
  return { keys, reads: () => reads };
}

async function storeError(p: Promise<unknown>): Promise<KeyStoreError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyStoreError);
  return e as KeyStoreError;
}

describe('secretBindingSource', () => {
  it.each([
    ['{"keys":[...]}', JSON.stringify({ keys: GOOD })],
    ['an array', JSON.stringify(GOOD)],
    ['{"$comment","keys"}', JSON.stringify({ $comment: 'rotated 2026-12', keys: GOOD })],
  ])('reads every record of a binding holding %s, once per cache TTL', async (_form, text) => {
    const { keys, reads } = store(text);
    expect(await keys.get('AKIDBIND0001')).toMatchObject({ id: 'AKIDBIND0001', secrets: ['binding-secret-0001'], principal: 'one' });
    expect(await keys.get('AKIDBIND0002')).toMatchObject({
      secrets: ['binding-secret-0002', 'binding-secret-0003'],
      permissions: ['items:read'],
    });
    expect(await keys.get('AKIDNOBODY')).toBeUndefined();
    expect(reads()).toBe(1);
    expect(keys.stats.sourceCalls).toBe(1);
  });

  it('leaves a bad record out: its id answers a store fault, every other key stays usable, the issue is told once without values', async () => {
    const issues: KeyRecordIssue[][] = [];
    const events: KeyCacheEvent[] = [];
    let now = 1_000_000;
    const text = JSON.stringify({ keys: [GOOD[0], BAD, GOOD[1]] });
    const { keys } = store(text, { issues, events, now: () => now });
    expect((await keys.get('AKIDBIND0001'))?.principal).toBe('one');
    expect((await keys.get('AKIDBIND0002'))?.principal).toBe('two');
    const e = await storeError(keys.get('AKIDBINDBAD1'));
    expect(e.fault).toBe('invalid-record');
    expect(e.message).not.toContain('AKIDBINDBAD1');
    expect(await keys.get('AKIDNOBODY')).toBeUndefined();
    // The same text again after the TTL: not told twice.
    now += 60_001;
    expect((await keys.get('AKIDBIND0001'))?.principal).toBe('one');
    expect(issues).toHaveLength(1);
    const lines = recordIssueLines(issues[0]!);
    expect(lines).toEqual(['keys[1].secret: must be at least 8 characters']);
    expect(JSON.stringify(lines) + JSON.stringify(events)).not.toMatch(/AKIDBINDBAD1|short|binding-secret/);
  });

  it('answers an id two records share with a store fault, and the others as usual', async () => {
    const dup = { ...GOOD[0], secret: 'binding-secret-0009' };
    const { keys } = store(JSON.stringify([GOOD[0], GOOD[1], dup]));
    expect((await storeError(keys.get('AKIDBIND0001'))).fault).toBe('invalid-record');
    expect((await keys.get('AKIDBIND0002'))?.principal).toBe('two');
  });

  it.each([
    ['undefined (no such binding)', undefined],
    ['a number', 42],
    ['an object (a KV namespace bound by mistake)', { get: () => null }],
  ])('answers a binding that is %s with a misconfigured fault', async (_what, value) => {
    const events: KeyCacheEvent[] = [];
    const e = await storeError(store(value, { events }).keys.get('AKIDBIND0001'));
    expect(e.fault).toBe('misconfigured');
    expect(events).toEqual([{ event: 'keystore.fault', fault: 'misconfigured' }]);
  });

  it.each([
    ['not JSON', `{"keys":[{"id":"AKIDBIND0001","secret":"binding-secret-0001"`],
    ['a JSON string', JSON.stringify('binding-secret-0001')],
    ['an object without keys', JSON.stringify({ key: GOOD })],
    ['keys that is not an array', JSON.stringify({ keys: GOOD[0] })],
    ['an object with another member', JSON.stringify({ keys: GOOD, secret: 'binding-secret-0001' })],
    ['a __proto__ member', `{"__proto__":{"keys":[]},"keys":[]}`],
  ])('answers a binding that is %s with an invalid-record fault that quotes nothing', async (_what, text) => {
    const e = await storeError(store(text).keys.get('AKIDBIND0001'));
    expect(e.fault).toBe('invalid-record');
    expect(e.message).not.toMatch(/AKIDBIND|binding-secret/);
  });

  it('follows a changed binding once the cache TTL has passed (a rotation), keeping unchanged records as the same object', async () => {
    let now = 1_000_000;
    let text = JSON.stringify(GOOD);
    const { keys } = store(() => text, { now: () => now });
    const one = await keys.get('AKIDBIND0001');
    const rotated = { ...GOOD[1], secrets: ['binding-secret-0004', 'binding-secret-0002'] };
    text = JSON.stringify([GOOD[0], rotated]);
    expect((await keys.get('AKIDBIND0002'))?.secrets).toEqual(['binding-secret-0002', 'binding-secret-0003']);
    now += 60_001;
    expect((await keys.get('AKIDBIND0002'))?.secrets).toEqual(['binding-secret-0004', 'binding-secret-0002']);
    expect(await keys.get('AKIDBIND0001')).toBe(one);
  });

  it('keeps serving the last good bundle while the binding fails, for the stale grace', async () => {
    let now = 1_000_000;
    let value: unknown = JSON.stringify(GOOD);
    const events: KeyCacheEvent[] = [];
    const { keys } = store(() => value, { now: () => now, events });
    await keys.get('AKIDBIND0001');
    value = undefined;
    now += 60_001;
    expect((await keys.get('AKIDBIND0001'))?.principal).toBe('one');
    expect(events).toEqual([{ event: 'keystore.stale', fault: 'misconfigured' }]);
  });
});
