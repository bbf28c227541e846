// A JWKS endpoint on 127.0.0.1 for the tests: serves a key set it can be told to change, with the
// Cache-Control it is told, counts the requests it gets, and fails on demand (a status, a hang, a
// body that is not a JWKS, an oversized one, a redirect) or answers late.
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { listenOnLoopback } from './net.ts';

/** A public JWK with its kid, as an issuer publishes it. */
export type PublicJwk = JsonWebKey & { kid: string; use?: string; alg?: string };

/** A fresh public key of each kind an issuer signs with: RSA (RS256), EC P-256 (ES256), OKP Ed25519 (EdDSA). */
export function newPublicJwk(kind: 'RSA' | 'EC' | 'OKP', kid: string): PublicJwk {
  const pair =
    kind === 'RSA'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'EC'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const alg = kind === 'RSA' ? 'RS256' : kind === 'EC' ? 'ES256' : 'EdDSA';
  return { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg };
}

/** A private JWK (what an issuer must never publish). */
export function newPrivateJwk(kid: string): PublicJwk {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...pair.privateKey.export({ format: 'jwk' }), kid };
}

export type JwksFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'body'; readonly body: string }
  | { readonly kind: 'oversized'; readonly bytes: number; readonly declareLength: boolean }
  | { readonly kind: 'redirect'; readonly location: string };

export interface JwksServer {
  /** The JWKS URL (with a query string that must never show up in errors or logs). */
  readonly url: string;
  /** The base URL of the server. */
  readonly base: string;
  /** The keys served (change it to rotate). */
  keys: unknown[];
  /** The Cache-Control header sent with the set (undefined: none). */
  cacheControl: string | undefined;
  fault: JwksFault;
  /** Requests for the set received. */
  hits: number;
  close(): Promise<void>;
}

/** The query token put on the JWKS URL: a stand-in for a secret some issuers put there. */
export const JWKS_URL_TOKEN = 'query-token-must-not-leak-7f3a';

/** Starts a JWKS endpoint serving `keys` at `/jwks.json?token=…`. */
export async function startJwksServer(keys: unknown[] = []): Promise<JwksServer> {
  const hanging = new Set<() => void>();
  const state = {
    keys,
    cacheControl: 'public, max-age=300' as string | undefined,
    fault: { kind: 'none' } as JwksFault,
    hits: 0,
  };
  const server = await listenOnLoopback(
    async (req, res) => {
      if (req.url === '/__hits') {
        // For a test in another process: how many requests for the set arrived (not itself one).
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits: state.hits }));
        return;
      }
      if (!req.url?.startsWith('/jwks.json')) {
        res.writeHead(404).end();
        return;
      }
      state.hits++;
      const fault = state.fault;
      switch (fault.kind) {
        case 'status':
          res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`failure with ${JWKS_URL_TOKEN}`);
          return;
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          res
            .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
            .end(JSON.stringify({ keys: state.keys }));
          return;
        case 'hang':
          await new Promise<void>((resolve) => hanging.add(resolve));
          res.destroy();
          return;
        case 'body':
          res.writeHead(200, { 'content-type': 'application/json' }).end(fault.body);
          return;
        case 'oversized': {
          const padding = ' '.repeat(fault.bytes);
          const body = JSON.stringify({ keys: state.keys }) + padding;
          res.writeHead(200, {
            'content-type': 'application/json',
            ...(fault.declareLength ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          });
          res.end(body);
          return;
        }
        case 'redirect':
          res.writeHead(302, { location: fault.location }).end();
          return;
        default: {
          const body = JSON.stringify({ keys: state.keys });
          res.writeHead(200, {
            'content-type': 'application/json',
            ...(state.cacheControl ? { 'cache-control': state.cacheControl } : {}),
          });
          res.end(body);
        }
      }
    },
    (res) => res.writeHead(500).end(),
  );
  return {
    url: `${server.url}/jwks.json?token=${JWKS_URL_TOKEN}`,
    base: server.url,
    get keys() {
      return state.keys;
    },
    set keys(k) {
      state.keys = k;
    },
    get cacheControl() {
      return state.cacheControl;
    },
    set cacheControl(c) {
      state.cacheControl = c;
    },
    get fault() {
      return state.fault;
    },
    set fault(f) {
      state.fault = f;
    },
    get hits() {
      return state.hits;
    },
    set hits(n) {
      state.hits = n;
    },
    async close() {
      for (const release of hanging) release();
      await server.close();
    },
  };
}
