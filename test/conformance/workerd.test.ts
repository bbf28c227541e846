import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../lib/core/crypto-node.ts';
import { webCrypto } from '../../lib/core/crypto-web.ts';
import { bundleWorker, startWorker } from '../helpers/workerd.ts';
import { loadVectorData, VECTORS_DIR } from './load-vectors.ts';
import { jwtCases } from './jwt-suite.ts';
import { jwtSuiteData } from './jwt-vectors.ts';
import { mauthCases } from './mauth-suite.ts';
import { mauthSuiteData } from './mauth-vectors.ts';
import { sigv4Cases } from './sigv4-suite.ts';
import { ustudioCases, type UStudioVectors } from './ustudio-suite.ts';
import { apiKeyCases, type ApiKeySuiteData } from './api-key-suite.ts';
import { generateApiKey } from '../../lib/keys/api-key-format.ts';
import { hashOf } from '../fixtures/api-key-app.ts';

// The same cases as sigv4-vectors.test.ts and MAuth's protocol suite, run inside workerd: proof that lib/
// runs there unchanged.
describe('conformance vectors inside workerd', () => {
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

  it('passes all 24 MAuth protocol-suite cases (verify) and the 23 signing cases sign identically, with Web Crypto', async () => {
    const data = mauthSuiteData();
    const res = await mf.dispatchFetch('http://conformance.test/mauth', { method: 'POST', body: JSON.stringify(data) });
    const { navigator, results } = (await res.json()) as {
      navigator: string;
      results: Array<{ name: string; ok: boolean; error?: string }>;
    };
    expect(navigator).toBe('Cloudflare-Workers');
    expect(results.map((r) => r.name)).toEqual(mauthCases(data).map((c) => c.name));
    expect(results.filter((r) => r.name.startsWith('verify: '))).toHaveLength(24);
    expect(results.filter((r) => r.name.startsWith('verify: MWS '))).toHaveLength(5);
    expect(results.filter((r) => r.name.startsWith('sign: '))).toHaveLength(23);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('runs the same MAuth checks on Node with both backends', async () => {
    const data = mauthSuiteData();
    for (const crypto of [nodeCrypto, webCrypto]) {
      for (const c of mauthCases(data, crypto)) await c.run();
    }
  });

  it('passes the USTUDIO-HMAC-V2 vectors (4 verify, 4 sign, the canonical query example), with Web Crypto', async () => {
    const data = JSON.parse(readFileSync(join(VECTORS_DIR, 'ustudio-hmac/vectors.json'), 'utf8')) as UStudioVectors;
    const res = await mf.dispatchFetch('http://conformance.test/ustudio', { method: 'POST', body: JSON.stringify(data) });
    const { navigator, results } = (await res.json()) as {
      navigator: string;
      results: Array<{ name: string; ok: boolean; error?: string }>;
    };
    expect(navigator).toBe('Cloudflare-Workers');
    expect(results.map((r) => r.name)).toEqual(ustudioCases(data).map((c) => c.name));
    expect(results.filter((r) => r.name.startsWith('verify: '))).toHaveLength(4);
    expect(results.filter((r) => r.name.startsWith('sign: '))).toHaveLength(4);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    for (const crypto of [nodeCrypto, webCrypto]) for (const c of ustudioCases(data, crypto)) await c.run();
  });

  it('passes the JWT cases (every algorithm by PEM and JWK, the negative tokens, our signer) with Web Crypto', async () => {
    const data = await jwtSuiteData();
    const res = await mf.dispatchFetch('http://conformance.test/jwt', { method: 'POST', body: JSON.stringify(data) });
    const { navigator, results } = (await res.json()) as {
      navigator: string;
      results: Array<{ name: string; ok: boolean; error?: string }>;
    };
    expect(navigator).toBe('Cloudflare-Workers');
    expect(results.map((r) => r.name)).toEqual(jwtCases(data).map((c) => c.name));
    expect(results.filter((r) => r.name.startsWith('sign: '))).toHaveLength(9);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  }, 60_000);

  it('runs the same JWT checks on Node with both backends', async () => {
    const data = await jwtSuiteData();
    for (const crypto of [nodeCrypto, webCrypto]) {
      for (const c of jwtCases(data, crypto)) await c.run();
    }
  }, 60_000);

  it('passes the API-key checks with Web Crypto inside workerd, and on Node with both backends', async () => {
    const { id, key } = generateApiKey();
    const rotated = generateApiKey({ id }).key;
    const data: ApiKeySuiteData = {
      id,
      key,
      rotated,
      hash: hashOf(key),
      rotatedHash: hashOf(rotated),
      stranger: generateApiKey({ id }).key,
      unknown: generateApiKey().key,
    };
    const res = await mf.dispatchFetch('http://conformance.test/api-key', { method: 'POST', body: JSON.stringify(data) });
    const { navigator, results } = (await res.json()) as {
      navigator: string;
      results: Array<{ name: string; ok: boolean; error?: string }>;
    };
    expect(navigator).toBe('Cloudflare-Workers');
    expect(results.map((r) => r.name)).toEqual(apiKeyCases(data).map((c) => c.name));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    for (const crypto of [nodeCrypto, webCrypto]) for (const c of apiKeyCases(data, crypto)) await c.run();
  });
});
