/**
 * JWT checks as plain async cases, with no test-runner or platform import, so the same cases run on
 * Node and inside workerd (workerd.test.ts posts the data into a worker). Tokens are made by jose on
 * Node (jwt-vectors.ts): each algorithm's token verifies against its key given as PEM and as a JWK,
 * the negative tokens fail with their codes, and our signer's tokens (minted where the case runs)
 * verify.
 */
import type { CryptoBackend, JwsAlgorithm } from '../../lib/core/crypto.ts';
import { createJwtSigner, createJwtVerifier } from '../../lib/schemes/jwt/index.ts';
import type { SuiteCase } from './sigv4-suite.ts';

/** The data a JWT run needs: keys per algorithm and the tokens to judge, all made by jose. */
export interface JwtSuiteData {
  /** Epoch seconds the tokens are judged at. */
  readonly now: number;
  readonly issuer: string;
  readonly audience: string;
  readonly keys: ReadonlyArray<{
    readonly alg: JwsAlgorithm;
    readonly spkiPem: string;
    readonly publicJwk: Record<string, unknown>;
    readonly pkcs8Pem: string;
  }>;
  /** `expect`: "ok" or the error code. `alg`: the key the issuer trusts for it. */
  readonly tokens: ReadonlyArray<{ readonly name: string; readonly alg: JwsAlgorithm; readonly token: string; readonly expect: string }>;
}

/** The checks: `verify (pem|jwk): <token>` for every token, `sign: <alg>` for every key. */
export function jwtCases(data: JwtSuiteData, crypto?: CryptoBackend): SuiteCase[] {
  const clock = () => data.now * 1000;
  const keyOf = (alg: JwsAlgorithm) => data.keys.find((k) => k.alg === alg)!;
  const verifierFor = (alg: JwsAlgorithm, form: 'pem' | 'jwk') =>
    createJwtVerifier({
      issuers: [
        {
          issuer: data.issuer,
          audience: data.audience,
          algorithms: [alg],
          publicKeys: [form === 'pem' ? keyOf(alg).spkiPem : keyOf(alg).publicJwk],
        },
      ],
      clock,
      tokenCacheSize: 0,
      ...(crypto ? { crypto } : {}),
    });
  const request = (token: string) => ({
    method: 'GET',
    path: '/',
    query: '',
    headers: [['Authorization', `Bearer ${token}`]] as Array<[string, string]>,
  });
  const out: SuiteCase[] = [];
  for (const form of ['pem', 'jwk'] as const) {
    for (const t of data.tokens) {
      out.push({
        name: `verify (${form}): ${t.name}`,
        async run() {
          const r = await verifierFor(t.alg, form).verify(request(t.token));
          const got = r.ok ? 'ok' : r.error.code;
          if (got !== t.expect) throw new Error(`expected ${t.expect}, got ${got}`);
          if (r.ok && r.principal.id !== 'suite-user') throw new Error(`accepted as ${r.principal.id}`);
        },
      });
    }
  }
  for (const k of data.keys) {
    out.push({
      name: `sign: ${k.alg}`,
      async run() {
        const signer = createJwtSigner({
          keyId: 'suite',
          secret: k.pkcs8Pem,
          issuer: data.issuer,
          audience: data.audience,
          subject: 'suite-user',
          algorithm: k.alg,
          clock,
        });
        const signed = await signer.sign({ method: 'GET', path: '/', query: '', headers: [] });
        const r = await verifierFor(k.alg, 'jwk').verify(signed);
        if (!r.ok) throw new Error(`our token was refused with ${r.error.code}`);
      },
    });
  }
  return out;
}
