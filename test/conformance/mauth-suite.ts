/**
 * Medidata's MAuth protocol suite as plain async checks, with no test-runner or platform import, so
 * the same cases run on Node and inside workerd (workerd.test.ts posts the vectors into a worker).
 * Every case verifies with its headers (24: 5 MWS, 19 MWSV2); every case with a signature (23; the
 * verify-only case has none) is signed by our signer and must give the suite's headers exactly.
 */
import type { CryptoBackend } from '../../lib/core/crypto.ts';
import { fromBase64 } from '../../lib/core/encoding.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import { createMAuthSigner, createMAuthVerifier } from '../../lib/schemes/mauth/index.ts';
import type { SuiteCase } from './sigv4-suite.ts';

/** One case of the suite as JSON carries it (the body in base64). */
export interface MAuthSuiteCase {
  readonly version: 1 | 2;
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly bodyBase64: string;
  readonly sig?: string;
  readonly authz: Readonly<Record<string, string | number>>;
}

/** The suite with its signing configuration (test/conformance/mauth-vectors.ts `mauthSuiteData` loads it). */
export interface MAuthSuiteData {
  readonly appUuid: string;
  /** The suite's request time, epoch seconds. */
  readonly time: number;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly cases: readonly MAuthSuiteCase[];
}

const label = (c: MAuthSuiteCase) => `${c.version === 1 ? 'MWS' : 'MWSV2'} ${c.name}`;

/** The checks: `verify: <case>` for every case, `sign: <case>` for every case with a signature. */
export function mauthCases(data: MAuthSuiteData, crypto?: CryptoBackend): SuiteCase[] {
  const clock = () => data.time * 1000;
  const keys = createMemoryKeyStore([
    {
      id: data.appUuid,
      scheme: 'mauth',
      secrets: [],
      publicKeys: [{ format: 'spki', pem: data.publicKey.trim() }],
      principal: 'suite-app',
      permissions: [],
    },
  ]);
  const verifier = createMAuthVerifier({ keys, clock, ...(crypto ? { crypto } : {}) });
  const signers = {
    1: createMAuthSigner({ appUuid: data.appUuid, privateKey: data.privateKey, versions: ['v1'], clock, ...(crypto ? { crypto } : {}) }),
    2: createMAuthSigner({ appUuid: data.appUuid, privateKey: data.privateKey, versions: ['v2'], clock, ...(crypto ? { crypto } : {}) }),
  };
  const request = (c: MAuthSuiteCase, headers: Array<[string, string]>): SignedRequest => ({
    method: c.method,
    path: c.path,
    query: c.query,
    headers,
    body: fromBase64(c.bodyBase64),
  });
  const expectedHeaders = (c: MAuthSuiteCase) => Object.entries(c.authz).map(([n, v]): [string, string] => [n, String(v)]);

  const out: SuiteCase[] = [];
  for (const c of data.cases) {
    out.push({
      name: `verify: ${label(c)}`,
      async run() {
        const r = await verifier.verify(request(c, expectedHeaders(c)));
        if (!r.ok) throw new Error(`rejected with ${r.error.code} (${r.error.message})`);
        if (r.keyId !== data.appUuid || r.principal.id !== 'suite-app') throw new Error(`accepted as ${r.keyId} / ${r.principal.id}`);
      },
    });
  }
  for (const c of data.cases) {
    if (!c.sig) continue;
    out.push({
      name: `sign: ${label(c)}`,
      async run() {
        const signed = await signers[c.version].sign(request(c, []));
        const actual = JSON.stringify(signed.headers);
        const expected = JSON.stringify(expectedHeaders(c));
        if (actual !== expected) throw new Error(`headers:\n  expected ${expected}\n  actual   ${actual}`);
        const auth = String(c.authz[c.version === 1 ? 'X-MWS-Authentication' : 'MCC-Authentication']);
        if (!auth.includes(c.sig!)) throw new Error('the suite signature is not in its own header');
      },
    });
  }
  return out;
}
