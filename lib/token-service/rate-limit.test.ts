import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRateLimiter, RateLimiterError, workersRateLimiter, type WorkersRateLimitBinding } from './rate-limit.ts';
import type { TokenServiceStore } from './types.ts';

/** The store's fixed-window counter, in memory: counts per key and window start. */
function memoryHits() {
  const counts = new Map<string, number>();
  const calls: Array<{ key: string; windowSeconds: number; now: Date }> = [];
  const store: Pick<TokenServiceStore, 'hit'> = {
    async hit(key, windowSeconds, now) {
      calls.push({ key, windowSeconds, now });
      const id = `${key}|${Math.floor(now.getTime() / 1000 / windowSeconds)}`;
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      return n;
    },
  };
  return { store, calls };
}

async function faultOf(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RateLimiterError);
  return (e as RateLimiterError).code;
}

describe('databaseRateLimiter', () => {
  it('allows `limit` calls per key and window, then refuses until the next window', async () => {
    const { store, calls } = memoryHits();
    const clock = { t: 1_800_000_000_000 };
    const rl = databaseRateLimiter(store, { limit: 3, windowSeconds: 60, now: () => clock.t });
    const run = async (key: string, n: number) => {
      const out: boolean[] = [];
      for (let i = 0; i < n; i++) out.push(await rl.allow(key));
      return out;
    };
    expect(await run('ip:1', 5)).toEqual([true, true, true, false, false]);
    expect(await run('ip:2', 1)).toEqual([true]);
    clock.t += 60_000;
    expect(await run('ip:1', 4)).toEqual([true, true, true, false]);
    expect(calls[0]).toEqual({ key: 'ip:1', windowSeconds: 60, now: new Date(1_800_000_000_000) });
  });

  it('fails closed: a store fault or a nonsense count rejects', async () => {
    const down = databaseRateLimiter(
      { hit: () => Promise.reject(new Error('connection refused to db.internal')) },
      { limit: 1, windowSeconds: 1 },
    );
    expect(await faultOf(down.allow('k'))).toBe('limiter-unavailable');
    for (const bad of [0, NaN, '1', undefined]) {
      const rl = databaseRateLimiter({ hit: async () => bad as never }, { limit: 1, windowSeconds: 1 });
      expect(await faultOf(rl.allow('k'))).toBe('limiter-bad-answer');
    }
    const e = await down.allow('k').catch((x: unknown) => x as Error);
    expect((e as Error).message).not.toContain('db.internal');
  });

  it('refuses bad options and keys', async () => {
    const { store } = memoryHits();
    expect(() => databaseRateLimiter(store, { limit: 0, windowSeconds: 60 })).toThrow(TypeError);
    expect(() => databaseRateLimiter(store, { limit: 1.5, windowSeconds: 60 })).toThrow(TypeError);
    expect(() => databaseRateLimiter(store, { limit: 1, windowSeconds: 0 })).toThrow(TypeError);
    const rl = databaseRateLimiter(store, { limit: 1, windowSeconds: 60 });
    await expect(rl.allow('')).rejects.toThrow(TypeError);
    await expect(rl.allow('k'.repeat(513))).rejects.toThrow(TypeError);
  });
});

describe('workersRateLimiter (fake binding)', () => {
  it("answers the binding's success and passes the key", async () => {
    const keys: string[] = [];
    const binding: WorkersRateLimitBinding = {
      async limit({ key }) {
        keys.push(key);
        return { success: keys.length <= 1 };
      },
    };
    const rl = workersRateLimiter(binding);
    expect(await rl.allow('a')).toBe(true);
    expect(await rl.allow('a')).toBe(false);
    expect(keys).toEqual(['a', 'a']);
  });

  it('fails closed on a binding fault or a malformed answer', async () => {
    expect(await faultOf(workersRateLimiter({ limit: () => Promise.reject(new Error('x')) }).allow('k'))).toBe('limiter-unavailable');
    expect(await faultOf(workersRateLimiter({ limit: async () => ({}) as never }).allow('k'))).toBe('limiter-bad-answer');
    expect(await faultOf(workersRateLimiter({ limit: async () => null as never }).allow('k'))).toBe('limiter-bad-answer');
    expect(() => workersRateLimiter({} as never)).toThrow(TypeError);
  });
});

describe("Miniflare's rate-limit binding", () => {
  let mf: Miniflare;
  let previous: string | undefined;
  beforeAll(async () => {
    previous = process.env.WRANGLER_SEND_METRICS;
    process.env.WRANGLER_SEND_METRICS = 'false';
    mf = new Miniflare({
      modules: true,
      host: '127.0.0.1',
      compatibilityDate: '2026-04-01',
      script:
        'export default { async fetch(req, env) { const {success} = await env.RL.limit({ key: new URL(req.url).searchParams.get("k") }); return new Response(String(success)); } }',
      ratelimits: { RL: { simple: { limit: 3, period: 60 } } },
    });
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    if (previous === undefined) delete process.env.WRANGLER_SEND_METRICS;
    else process.env.WRANGLER_SEND_METRICS = previous;
  });

  it('inside the Worker: the 4th call in a window is refused, another key is not', async () => {
    const call = async (k: string) => (await mf.dispatchFetch(`http://localhost/?k=${k}`)).text();
    const out: string[] = [];
    for (let i = 0; i < 4; i++) out.push(await call('worker-a'));
    expect(out).toEqual(['true', 'true', 'true', 'false']);
    expect(await call('worker-b')).toBe('true');
  });

  it("workersRateLimiter over the same binding (through Miniflare's binding proxy)", async () => {
    const { RL } = await mf.getBindings<{ RL: WorkersRateLimitBinding }>();
    const rl = workersRateLimiter(RL);
    const out: boolean[] = [];
    for (let i = 0; i < 4; i++) out.push(await rl.allow('proxy-a'));
    expect(out).toEqual([true, true, true, false]);
    expect(await rl.allow('proxy-b')).toBe(true);
  });
});
