/**
 * The SigV4/DCI conformance suite as plain async checks, with no test-runner or platform import,
 * so the same cases run under vitest on Node and inside workerd (see workerd.test.ts).
 */
import type { CryptoBackend } from '../../lib/core/crypto.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { percentEncode } from '../../lib/core/encoding.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import type { KeyRecord } from '../../lib/keys/types.ts';
import {
  canonicalQuery,
  createSigV4Signer,
  createSigV4Verifier,
  parseQuery,
  type SigV4Algorithm,
  type SigV4Profile,
} from '../../lib/schemes/sigv4/index.ts';
import { parseHttpText } from '../helpers/http-text.ts';
import type { AuthResult } from '../../lib/core/result.ts';
import type { DciCase, VectorData } from './vector-data.ts';

export interface SuiteCase {
  readonly name: string;
  run(): Promise<void>;
}

function eq(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what}:\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`);
  }
}

function ok(result: AuthResult, what: string): void {
  if (!result.ok) throw new Error(`${what}: rejected with ${result.error.code} (${result.error.message})`);
}

function header(req: SignedRequest, name: string): string | undefined {
  return req.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function signatureOf(authorization: string | undefined): string | undefined {
  return /Signature=([0-9a-f]+)/.exec(authorization ?? '')?.[1];
}

const isoToMs = (iso: string): number => Date.parse(iso);
const amzToMs = (ts: string): number =>
  Date.UTC(+ts.slice(0, 4), +ts.slice(4, 6) - 1, +ts.slice(6, 8), +ts.slice(9, 11), +ts.slice(11, 13), +ts.slice(13, 15));

interface Setup {
  keyId: string;
  secret: string;
  region: string;
  service: string;
  nowMs: number;
  normalizePath?: boolean;
  sessionToken?: string;
  algorithms?: SigV4Algorithm[];
  profile?: SigV4Profile;
  crypto?: CryptoBackend;
}

function verifierFor(s: Setup) {
  const record: KeyRecord = {
    id: s.keyId,
    secrets: [s.secret],
    principal: 'vector-user',
    permissions: [],
    sessionToken: s.sessionToken,
  };
  return createSigV4Verifier({
    keys: createMemoryKeyStore([record]),
    region: s.region,
    service: s.service,
    clock: () => s.nowMs,
    ...(s.normalizePath !== undefined ? { normalizePath: s.normalizePath } : {}),
    ...(s.algorithms ? { algorithms: s.algorithms } : {}),
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.crypto ? { crypto: s.crypto } : {}),
  });
}

function crtCases(data: VectorData, crypto?: CryptoBackend): SuiteCase[] {
  const out: SuiteCase[] = [];
  for (const c of data.crt) {
    const ctx = c.context;
    const token = ctx.credentials.token;
    const setup: Setup = {
      keyId: ctx.credentials.access_key_id,
      secret: ctx.credentials.secret_access_key,
      region: ctx.region,
      service: ctx.service,
      nowMs: isoToMs(ctx.timestamp),
      normalizePath: ctx.normalize,
      ...(token ? { sessionToken: token } : {}),
      ...(crypto ? { crypto } : {}),
    };
    const signerFor = () =>
      createSigV4Signer({
        keyId: setup.keyId,
        secret: setup.secret,
        region: setup.region,
        service: setup.service,
        normalizePath: ctx.normalize,
        signContentSha256: ctx.sign_body,
        clock: () => setup.nowMs,
        ...(token && !ctx.omit_session_token ? { sessionToken: token } : {}),
        ...(crypto ? { crypto } : {}),
      });
    const f = c.files;
    out.push({
      name: `aws-sigv4/${c.name} (header)`,
      async run() {
        const verifier = verifierFor(setup);
        let signed = await signerFor().sign(parseHttpText(f['request.txt']!));
        if (token && ctx.omit_session_token) signed = { ...signed, headers: [...signed.headers, ['X-Amz-Security-Token', token]] };
        const explained = await verifier.explain(signed);
        eq(explained.canonicalRequest, f['header-canonical-request.txt'], 'canonical request');
        eq(explained.stringToSign, f['header-string-to-sign.txt'], 'string to sign');
        eq(signatureOf(header(signed, 'authorization')), f['header-signature.txt']!.trim(), 'signature');
        ok(await verifier.verify(signed), 'our signed request');
        ok(await verifier.verify(parseHttpText(f['header-signed-request.txt']!)), 'vector signed request');
      },
    });
    out.push({
      name: `aws-sigv4/${c.name} (query)`,
      async run() {
        const verifier = verifierFor(setup);
        let presigned = await signerFor().presign(parseHttpText(f['request.txt']!), {
          expiresIn: ctx.expiration_in_seconds,
          unsignedPayload: false,
        });
        if (token && ctx.omit_session_token)
          presigned = { ...presigned, query: `${presigned.query}&X-Amz-Security-Token=${percentEncode(token)}` };
        eq(/X-Amz-Signature=([0-9a-f]+)/.exec(presigned.query)?.[1], f['query-signature.txt']!.trim(), 'presigned signature');
        const vectorReq = parseHttpText(f['query-signed-request.txt']!);
        const explained = await verifier.explain(vectorReq);
        // With the token added after signing, the second form (token left out) is the one signed.
        const form = explained.alternatives.find((a) => a.canonicalRequest === f['query-canonical-request.txt']) ?? explained;
        if (!ctx.omit_session_token) eq(form, explained.alternatives[0], 'main canonical form');
        eq(form.canonicalRequest, f['query-canonical-request.txt'], 'canonical request');
        eq(form.stringToSign, f['query-string-to-sign.txt'], 'string to sign');
        ok(await verifier.verify(vectorReq), 'vector presigned request');
        ok(await verifier.verify(presigned), 'our presigned request');
      },
    });
  }
  return out;
}

function aws2015Cases(data: VectorData, crypto?: CryptoBackend): SuiteCase[] {
  return data.aws2015.map((c) => ({
    name: `aws-sigv4-2015/${c.name}`,
    async run() {
      const req = parseHttpText(c.files['req']!, 'repeat');
      const sreq = parseHttpText(c.files['sreq']!, 'repeat');
      const token = header(req, 'x-amz-security-token');
      const setup: Setup = {
        keyId: 'AKIDEXAMPLE',
        secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
        service: 'service',
        nowMs: isoToMs('2015-08-30T12:36:00Z'),
        ...(header(sreq, 'x-amz-security-token') ? { sessionToken: header(sreq, 'x-amz-security-token')! } : {}),
        ...(crypto ? { crypto } : {}),
      };
      const signer = createSigV4Signer({
        keyId: setup.keyId,
        secret: setup.secret,
        region: setup.region,
        service: setup.service,
        clock: () => setup.nowMs,
        ...(token ? { sessionToken: token } : {}),
        ...(crypto ? { crypto } : {}),
      });
      const verifier = verifierFor(setup);
      const signed = await signer.sign(req);
      const explained = await verifier.explain(signed);
      eq(explained.canonicalRequest, c.files['creq'], 'canonical request');
      eq(explained.stringToSign, c.files['sts'], 'string to sign');
      eq(header(signed, 'authorization'), c.files['authz'], 'authorization header');
      ok(await verifier.verify(sreq), 'vector signed request');
    },
  }));
}

interface DciRequest {
  method?: string;
  endpoint?: string;
  path?: string;
  params?: Record<string, string | number>;
  data?: string;
}

/** Builds the wire request python-dciauth's client would send for a vector's request dict. */
function dciWireRequest(r: DciRequest, headers: Array<[string, string]>): SignedRequest {
  const params = Object.entries(r.params ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    method: r.method ?? 'GET',
    path: r.endpoint ?? r.path ?? '/',
    query: params.map(([k, v]) => `${percentEncode(k)}=${percentEncode(String(v))}`).join('&'),
    headers,
    body: new TextEncoder().encode(r.data ?? ''),
  };
}

function dciCases(data: VectorData, crypto?: CryptoBackend): SuiteCase[] {
  return data.dci.map((c: DciCase) => ({
    name: `dciauth/${c.name}`,
    async run() {
      const v = c as DciCase & Record<string, unknown>;
      const kind = c.kind;
      if (kind.startsWith('sign(v2.generate_headers')) {
        const expected = v['expected_headers'] as Record<string, string>;
        const signer = createSigV4Signer({
          algorithm: 'DCI2-HMAC-SHA256',
          profile: 'dciauth',
          keyId: v['access_key'] as string,
          secret: v['secret_key'] as string,
          region: 'BHS3',
          service: 'api',
          clock: () => isoToMs(v['now_utc'] as string),
          ...(crypto ? { crypto } : {}),
        });
        const signed = await signer.sign(dciWireRequest(v['request'] as DciRequest, [['Host', 'api.distributed-ci.io']]));
        eq(header(signed, 'x-dci-date'), expected['X-DCI-Date'], 'X-DCI-Date');
        eq(header(signed, 'authorization'), expected['Authorization'], 'Authorization');
        return;
      }
      if (kind.startsWith('verify(')) {
        const headers = Object.entries(v['headers'] as Record<string, string>);
        const req = dciWireRequest(v['request'] as DciRequest, headers);
        const auth = header(req, 'authorization')!;
        const keyId = /Credential=(.*)\/\d{8}\//.exec(auth)![1]!;
        const verifier = verifierFor({
          keyId,
          secret: v['secret_key'] as string,
          region: 'BHS3',
          service: 'api',
          nowMs: isoToMs(v['now_utc'] as string),
          algorithms: ['DCI2-HMAC-SHA256', 'AWS4-HMAC-SHA256'],
          profile: 'dciauth',
          ...(crypto ? { crypto } : {}),
        });
        const expected = v['expected'] as { valid: boolean; error?: string; access_key?: string };
        const result = await verifier.verify(req);
        eq(result.ok, expected.valid, `valid (${result.ok ? 'accepted' : result.error.code})`);
        if (!expected.valid && !result.ok) eq(result.error.code, 'ERR_REQUEST_EXPIRED', 'code');
        if (expected.access_key && result.ok) eq(result.keyId, expected.access_key, 'key id');
        if (result.ok && v['name'] === 'flask-class-dci2 (tests/unit/test_auth.py)') {
          // The vector's note: 20 minutes later it is expired; another path does not verify.
          const later = verifierFor({
            keyId,
            secret: v['secret_key'] as string,
            region: 'BHS3',
            service: 'api',
            nowMs: isoToMs('2024-09-19T13:45:39Z'),
            algorithms: ['DCI2-HMAC-SHA256'],
            profile: 'dciauth',
            ...(crypto ? { crypto } : {}),
          });
          const expired = await later.verify(req);
          eq(expired.ok ? 'ok' : expired.error.code, 'ERR_REQUEST_EXPIRED', 'expired later');
          const otherPath = await verifier.verify({ ...req, path: '/api/v1/admin' });
          eq(otherPath.ok ? 'ok' : otherPath.error.code, 'ERR_SIGNATURE_INVALID', 'other path');
        }
        return;
      }
      if (kind === 'canonical query') {
        const params = Object.entries(v['params'] as Record<string, string>);
        const raw = params.map(([k, val]) => `${percentEncode(k)}=${percentEncode(val)}`).join('&');
        eq(canonicalQuery(parseQuery(raw, true), 'dciauth'), v['expected'], 'canonical query');
        return;
      }
      if (kind === 'v1 sign') {
        // Legacy DCI-HMAC-SHA256 (no scope, 24 h window) is refused by name, not silently ignored.
        const expected = v['expected_headers'] as Record<string, string>;
        const req = dciWireRequest(v['request'] as DciRequest, [
          ['Host', 'api.distributed-ci.io'],
          ['Authorization', expected['authorization']!],
          ['dci-datetime', expected['dci-datetime']!],
        ]);
        const verifier = verifierFor({
          keyId: 'remoteci/abcdef',
          secret: 'secret',
          region: 'BHS3',
          service: 'api',
          nowMs: isoToMs(v['now_utc'] as string),
          algorithms: ['DCI2-HMAC-SHA256'],
          profile: 'dciauth',
          ...(crypto ? { crypto } : {}),
        });
        const result = await verifier.verify(req);
        eq(result.ok ? 'ok' : result.error.code, 'ERR_AUTH_UNSUPPORTED', 'legacy v1 is refused');
        return;
      }
      throw new Error(`unknown vector kind ${kind}`);
    },
  }));
}

function sdkCase(data: VectorData, crypto?: CryptoBackend): SuiteCase {
  return {
    name: 'aws-sdk/secretsmanager-get-secret-value',
    async run() {
      const s = data.sdk;
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < s.rawHeaders.length; i += 2) headers.push([s.rawHeaders[i]!, s.rawHeaders[i + 1]!]);
      const req: SignedRequest = { method: s.method, path: s.path, query: '', headers, body: new TextEncoder().encode(s.body) };
      const verifier = verifierFor({
        keyId: s.credentials.accessKeyId,
        secret: s.credentials.secretAccessKey,
        region: s.region,
        service: 'secretsmanager',
        nowMs: amzToMs(s.headers['x-amz-date']!),
        ...(crypto ? { crypto } : {}),
      });
      ok(await verifier.verify(req), 'SDK request');
    },
  };
}

/** Every case of the suite; `crypto` selects the backend (default: the platform's). */
export function sigv4Cases(data: VectorData, crypto?: CryptoBackend): SuiteCase[] {
  return [...crtCases(data, crypto), ...aws2015Cases(data, crypto), ...dciCases(data, crypto), sdkCase(data, crypto)];
}
