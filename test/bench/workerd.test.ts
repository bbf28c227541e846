import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFair, importsNodeCrypto, mauthWorkerdSection, measureWorkerd, WORKERD_ENTRY, workerdSection } from '../../bench/workerd.ts';
import { WORKERD_CASES, type BatchAnswer, type CheckAnswer } from '../../bench/workerd-entry.ts';
import { bundleWorker, startWorker } from '../helpers/workerd.ts';

// The workerd bench compares our verify with a floor inside one isolate: both must compute the
// request's signature from the same request (and refuse a tampered one), or the ratio means nothing.
// No timing is asserted here.
describe('bench/workerd-entry.ts: the cases compute the same thing', () => {
  let mf: Miniflare;
  let script: string;
  const post = async <T>(body: unknown): Promise<T> => {
    const res = await mf.dispatchFetch('http://bench.test/', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  beforeAll(async () => {
    script = await bundleWorker(WORKERD_ENTRY);
    mf = await startWorker(script);
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it('bundles the Web Crypto backend, not node:crypto', () => {
    expect(importsNodeCrypto(script)).toBe(false);
    expect(importsNodeCrypto('import { createHmac } from "node:crypto";')).toBe(true);
    expect(script).toContain('crypto.subtle');
  });

  it('our verify accepts the request, and every other case computes the signature it carries', async () => {
    const c = await post<CheckAnswer>({ op: 'check' });
    expect(c.navigator).toBe('Cloudflare-Workers');
    expect(c.presented).toMatch(/^[0-9a-f]{64}$/);
    expect(c.ours).toEqual({ ok: true });
    expect(c.floor).toBe(c.presented);
    expect(c.crypto).toBe(c.presented);
    expect(c.derive).toBe(c.presented);
    expect(c.tampered).toEqual({ oursOk: false, floor: '' });
    expect(c.subtleCalls.floor).toBe(3);
    expect(() => assertFair(c)).not.toThrow();
  });

  it('MAuth: our v1 and v2 verify and both floors accept the request and refuse it with a body byte changed', async () => {
    const c = await post<CheckAnswer>({ op: 'check' });
    for (const v of ['v1', 'v2'] as const) {
      expect(c.mauth[v]).toMatchObject({ ours: { ok: true }, floor: true, tampered: { oursOk: false, floor: false } });
    }
    // v2's floor: one digest (the body) and one verify; v1's: one digest (the string to sign), the rest BigInt.
    expect(c.mauth.v2.subtleCalls.floor).toBe(2);
    expect(c.mauth.v1.subtleCalls.floor).toBe(1);
    expect(() => assertFair({ ...c, mauth: { ...c.mauth, v1: { ...c.mauth.v1, floor: false } } })).toThrow(/floor refuses/);
    expect(() => assertFair({ ...c, mauth: { ...c.mauth, v2: { ...c.mauth.v2, tampered: { oursOk: true, floor: false } } } })).toThrow(
      /tampered MAuth v2/,
    );
  });

  it.each(WORKERD_CASES)('a batch of %s succeeds on every operation', async (which) => {
    const a = await post<BatchAnswer>({ op: 'batch', case: which, n: 20 });
    expect(a).toMatchObject({ case: which, n: 20, ok: 20 });
  });

  it('refuses a malformed batch', async () => {
    const res = await mf.dispatchFetch('http://bench.test/', { method: 'POST', body: JSON.stringify({ op: 'batch', case: 'x', n: 1 }) });
    expect(res.status).toBe(400);
  });
});

describe('bench/workerd.ts', () => {
  it('measures a tiny run end to end and renders the section', async () => {
    const r = await measureWorkerd({ runs: 1, rounds: 2, batchMs: 2, warmupMs: 1, warmupOps: 20 });
    expect(r.cases.map((c) => c.id)).toEqual([...WORKERD_CASES]);
    expect(r.ratio).toHaveLength(1);
    const md = workerdSection(r);
    expect(md.startsWith('## SigV4 verification under workerd\n')).toBe(true);
    const mauthMd = mauthWorkerdSection(r);
    expect(mauthMd.startsWith('## MAuth verification under workerd\n')).toBe(true);
    expect(r.mauthRatio.v1).toHaveLength(1);
    expect(r.mauthRatio.v2).toHaveLength(1);
    for (const c of r.cases) expect(c.id.startsWith('mauth') ? mauthMd : md).toContain(`| ${c.label} |`);
    expect(md).not.toContain('MAuth');
  });
});
