// The JWT suite's data, made with jose on Node: a key pair per algorithm, a good token per algorithm,
// and negative tokens (expired, wrong audience, alg/key confusion, alg none, HS256 with the PEM as secret).
import { ALL_ALGORITHMS, handmade, hs256WithKeyText, keyPair, mint } from '../fixtures/jwt-keys.ts';
import type { JwtSuiteData } from './jwt-suite.ts';

const NOW = 1_800_000_000;
const ISS = 'https://auth.suite.example';
const AUD = 'suite-api';

/** The suite data (keys generated once per process). */
export async function jwtSuiteData(): Promise<JwtSuiteData> {
  const pairs = await Promise.all(ALL_ALGORITHMS.map((a) => keyPair(a)));
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: ISS,
    aud: AUD,
    sub: 'suite-user',
    iat: NOW - 5,
    exp: NOW + 60,
    ...extra,
  });
  const tokens: Array<JwtSuiteData['tokens'][number]> = [];
  for (const p of pairs) tokens.push({ name: `${p.alg} good`, alg: p.alg, token: await mint(p, claims()), expect: 'ok' });
  const rsa = pairs[0]!;
  const ec = pairs.find((p) => p.alg === 'ES256')!;
  const ed = pairs.find((p) => p.alg === 'EdDSA')!;
  tokens.push(
    { name: 'RS256 expired', alg: 'RS256', token: await mint(rsa, claims({ exp: NOW - 60 })), expect: 'ERR_REQUEST_EXPIRED' },
    { name: 'ES256 wrong audience', alg: 'ES256', token: await mint(ec, claims({ aud: 'other' })), expect: 'ERR_AUDIENCE_MISMATCH' },
    { name: 'EdDSA token for an ES256 issuer', alg: 'ES256', token: await mint(ed, claims()), expect: 'ERR_AUTH_UNSUPPORTED' },
    {
      name: 'ES256 token relabelled EdDSA',
      alg: 'EdDSA',
      token: relabel(await mint(ec, claims()), 'EdDSA'),
      expect: 'ERR_SIGNATURE_INVALID',
    },
    { name: 'alg none', alg: 'RS256', token: handmade({ alg: 'none' }, claims(), 'AAAA'), expect: 'ERR_AUTH_UNSUPPORTED' },
    { name: 'HS256 with the PEM as secret', alg: 'RS256', token: hs256WithKeyText(claims(), rsa.spkiPem), expect: 'ERR_AUTH_UNSUPPORTED' },
  );
  return {
    now: NOW,
    issuer: ISS,
    audience: AUD,
    keys: pairs.map((p) => ({ alg: p.alg, spkiPem: p.spkiPem, publicJwk: p.publicJwk, pkcs8Pem: p.pkcs8Pem })),
    tokens,
  };
}

function relabel(token: string, alg: string): string {
  const [, payload, signature] = token.split('.');
  return `${Buffer.from(JSON.stringify({ alg })).toString('base64url')}.${payload}.${signature}`;
}
