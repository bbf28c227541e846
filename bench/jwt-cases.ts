/**
 * The JWT cases `npm run bench` measures on Node: an RS256 token (2048-bit key) in
 * `Authorization: Bearer`, verified from a fresh request per call (the same token bytes, new strings)
 * by ours (node:crypto backend, token cache off), jose's jwtVerify (key imported once), aws-jwt-verify
 * (JwtRsaVerifier, its JWKS preloaded with cacheJwks), fast-jwt (createVerifier with the PEM) and a
 * plain node:crypto floor; then ours with the token cache on, the same token again and again.
 */
import { createPublicKey, generateKeyPairSync, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { createVerifier as fastJwtVerifier } from 'fast-jwt';
import { importSPKI, jwtVerify, SignJWT, importPKCS8, exportJWK } from 'jose';
import { webCrypto } from '../lib/core/crypto-web.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import { createJwtVerifier } from '../lib/schemes/jwt/index.ts';
import { freshFrom, wireRequest } from './wire.ts';

export const JWT_ISSUER = 'https://auth.bench.example';
export const JWT_AUDIENCE = 'bench-api';
export const JWT_KID = 'bench-key-1';

/** The case names BENCHMARKS.md shows. */
export const JWT_CASES = {
  ours: 'JWT RS256: edge-authorizer verify (node:crypto backend, token cache off)',
  jose: 'JWT RS256: jose jwtVerify (key imported once)',
  aws: 'JWT RS256: aws-jwt-verify JwtRsaVerifier (JWKS preloaded)',
  fast: 'JWT RS256: fast-jwt createVerifier (PEM)',
  floor: 'JWT RS256 floor: node:crypto split, decode, verify, JSON.parse, exp',
  web: 'JWT RS256: edge-authorizer verify (Web Crypto backend, token cache off)',
  cached: 'JWT repeated token: edge-authorizer verify (token cache on)',
} as const;

export interface JwtCase {
  readonly name: string;
  readonly group: 'jwt';
  make(): SignedRequest;
  run(input: unknown): unknown;
  readonly expect: (out: unknown) => boolean;
}

/** The bearer token of a request, as a peer reads it: the Authorization header after "Bearer ". */
export function bearerOf(req: SignedRequest): string {
  for (const [n, v] of req.headers) if (n.length === 13 && n.toLowerCase() === 'authorization') return v.slice(7);
  return '';
}

/**
 * The floor: what any RS256 JWT check must do, in bare node:crypto with the least code. No claim
 * but exp is checked (ours also checks iss, aud, nbf, iat, the header, the key's type).
 */
export function floorVerifyJwt(req: SignedRequest, key: KeyObject, nowSeconds: number): boolean {
  const token = bearerOf(req);
  const a = token.indexOf('.');
  const b = token.indexOf('.', a + 1);
  if (a < 0 || b < 0) return false;
  const ok = nodeVerify('sha256', Buffer.from(token.slice(0, b)), key, Buffer.from(token.slice(b + 1), 'base64url'));
  if (!ok) return false;
  const header = JSON.parse(Buffer.from(token.slice(0, a), 'base64url').toString()) as { alg?: string };
  const payload = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString()) as { exp?: number };
  return header.alg === 'RS256' && typeof payload.exp === 'number' && payload.exp > nowSeconds;
}

/** The JWT cases: a fresh 2048-bit RSA key pair per process, a token valid for an hour from now. */
export async function jwtCases(unsigned: SignedRequest): Promise<JwtCase[]> {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope: 'items:read items:write' })
    .setProtectedHeader({ alg: 'RS256', kid: JWT_KID, typ: 'JWT' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setSubject('bench-user')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(await importPKCS8(pkcs8, 'RS256'));
  const signed: SignedRequest = { ...unsigned, headers: [...unsigned.headers, ['Authorization', `Bearer ${token}`]] };
  const wire = wireRequest(signed);
  const body = unsigned.body ?? new Uint8Array();
  const fresh = () => freshFrom(wire, body);

  const issuers = [{ issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithms: ['RS256' as const], publicKeys: [spki] }];
  const ours = createJwtVerifier({ issuers, tokenCacheSize: 0 });
  const web = createJwtVerifier({ issuers, tokenCacheSize: 0, crypto: webCrypto });
  const cached = createJwtVerifier({ issuers });
  const joseKey = await importSPKI(spki, 'RS256');
  const aws = JwtRsaVerifier.create({ issuer: JWT_ISSUER, audience: JWT_AUDIENCE, jwksUri: 'https://auth.bench.example/jwks.json' });
  aws.cacheJwks({ keys: [{ ...(await exportJWK(joseKey)), kid: JWT_KID, alg: 'RS256', use: 'sig' }] } as Parameters<
    typeof aws.cacheJwks
  >[0]);
  const fast = fastJwtVerifier({ key: spki, algorithms: ['RS256'], allowedIss: JWT_ISSUER, allowedAud: JWT_AUDIENCE, cache: false });
  const floorKey = createPublicKey(spki);
  const isOk = (r: unknown) => (r as { ok?: boolean }).ok === true;
  const hasSub = (r: unknown) =>
    (r as { sub?: string; payload?: { sub?: string } }).sub === 'bench-user' ||
    (r as { payload?: { sub?: string } }).payload?.sub === 'bench-user';

  return [
    { name: JWT_CASES.ours, group: 'jwt', make: fresh, run: (r) => ours.verify(r as SignedRequest), expect: isOk },
    {
      name: JWT_CASES.jose,
      group: 'jwt',
      make: fresh,
      run: (r) => jwtVerify(bearerOf(r as SignedRequest), joseKey, { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithms: ['RS256'] }),
      expect: hasSub,
    },
    { name: JWT_CASES.aws, group: 'jwt', make: fresh, run: (r) => aws.verify(bearerOf(r as SignedRequest)), expect: hasSub },
    { name: JWT_CASES.fast, group: 'jwt', make: fresh, run: (r) => fast(bearerOf(r as SignedRequest)), expect: hasSub },
    {
      name: JWT_CASES.floor,
      group: 'jwt',
      make: fresh,
      run: (r) => floorVerifyJwt(r as SignedRequest, floorKey, Math.floor(Date.now() / 1000)),
      expect: (r) => r === true,
    },
    { name: JWT_CASES.web, group: 'jwt', make: fresh, run: (r) => web.verify(r as SignedRequest), expect: isOk },
    { name: JWT_CASES.cached, group: 'jwt', make: fresh, run: (r) => cached.verify(r as SignedRequest), expect: isOk },
  ];
}
