/**
 * The USTUDIO-HMAC-V2 vectors (requests signed by ustudio-hmac-tornado 0.3.0 and accepted by its
 * server) as plain async checks, with no test-runner or platform import, so the same cases run on Node
 * and inside workerd (workerd.test.ts posts the vectors file into a worker).
 */
import type { CryptoBackend } from '../../lib/core/crypto.ts';
import { splitUrl, type SignedRequest } from '../../lib/core/request.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import { canonicalQuery, createUStudioSigner, createUStudioVerifier } from '../../lib/schemes/ustudio-hmac/index.ts';
import type { SuiteCase } from './sigv4-suite.ts';

/** vectors/ustudio-hmac/vectors.json. */
export interface UStudioVectors {
  readonly example_canonical_query: { readonly query: string; readonly canonical: string };
  readonly cases: ReadonlyArray<{
    readonly id: string;
    readonly key: { readonly id: string; readonly secret: string };
    readonly request: {
      readonly method: string;
      readonly url: string;
      readonly headers: ReadonlyArray<readonly [string, string]>;
      readonly body: string;
    };
    readonly expect: 'accept' | 'reject';
  }>;
}

/** The checks: the canonical query example, `verify: <id>` for every case and `sign: <id>` for every accepted one. */
export function ustudioCases(data: UStudioVectors, crypto?: CryptoBackend): SuiteCase[] {
  const out: SuiteCase[] = [
    {
      name: 'canonical query example',
      async run() {
        const actual = canonicalQuery(data.example_canonical_query.query);
        if (actual !== data.example_canonical_query.canonical) throw new Error(`canonical query ${actual}`);
      },
    },
  ];
  const request = (c: UStudioVectors['cases'][number], headers: ReadonlyArray<readonly [string, string]>): SignedRequest => {
    const { path, query } = splitUrl(c.request.url);
    return { method: c.request.method, path, query, headers, body: new TextEncoder().encode(c.request.body) };
  };
  for (const c of data.cases) {
    const keys = createMemoryKeyStore([
      { id: c.key.id, scheme: 'ustudio-hmac', secrets: [c.key.secret], principal: 'vector', permissions: [] },
    ]);
    const verifier = createUStudioVerifier({ keys, ...(crypto ? { crypto } : {}) });
    out.push({
      name: `verify: ${c.id}`,
      async run() {
        const r = await verifier.verify(request(c, c.request.headers));
        if (c.expect === 'accept' && !r.ok) throw new Error(`rejected with ${r.error.code}`);
        if (c.expect === 'reject' && r.ok) throw new Error('accepted');
      },
    });
    if (c.expect !== 'accept') continue;
    out.push({
      name: `sign: ${c.id}`,
      async run() {
        const signer = createUStudioSigner({ keyId: c.key.id, secret: c.key.secret, ...(crypto ? { crypto } : {}) });
        const signed = await signer.sign(request(c, []));
        const actual = JSON.stringify(signed.headers);
        const expected = JSON.stringify(c.request.headers);
        if (actual !== expected) throw new Error(`headers:\n  expected ${expected}\n  actual   ${actual}`);
      },
    });
  }
  return out;
}
