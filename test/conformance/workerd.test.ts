import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, startWorker } from '../helpers/workerd.ts';
import { loadVectorData } from './load-vectors.ts';
import { sigv4Cases } from './sigv4-suite.ts';

// The same cases as sigv4-vectors.test.ts, run inside workerd: proof that lib/ runs there unchanged.
describe('SigV4 vectors inside workerd', () => {
  let mf: Miniflare;
  let script: string;
  beforeAll(async () => {
    script = await bundleWorker('test/conformance/workerd-entry.ts');
    mf = await startWorker(script);
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it('bundles the Web Crypto backend, not node:crypto', () => {
    expect(script).not.toContain('node:crypto');
    expect(script).toContain('crypto.subtle');
  });

  it('passes every case', async () => {
    const data = loadVectorData();
    const res = await mf.dispatchFetch('http://conformance.test/', { method: 'POST', body: JSON.stringify(data) });
    const { navigator, results } = (await res.json()) as {
      navigator: string;
      results: Array<{ name: string; ok: boolean; error?: string }>;
    };
    expect(navigator).toBe('Cloudflare-Workers');
    expect(results).toHaveLength(sigv4Cases(data).length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });
});
