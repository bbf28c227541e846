import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import aws4 from 'aws4';
import { describe, expect, it } from 'vitest';
import { percentEncode } from '../../core/encoding.ts';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { createSigV4Verifier } from './verifier.ts';

// Requests signed on the fly by the two most used JavaScript SigV4 signers, turned into exactly what
// their HTTP clients put on the wire, must verify.
const KEY = { accessKeyId: 'AKIDPEER', secretAccessKey: 'peer-secret/with+chars=' };
const TOKEN = 'FwoGZXIvYXdzEJr//////////wEaDPeerSessionToken+/=';
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const HOST = 'api.example.com';
const AMZ_NOW = '20261124T120000Z';

function verifier(service: string, sessionToken?: string) {
  return createSigV4Verifier({
    keys: createMemoryKeyStore([{ id: KEY.accessKeyId, secrets: [KEY.secretAccessKey], principal: 'peer', permissions: [], sessionToken }]),
    region: 'eu-west-1',
    service,
    clock: () => NOW,
  });
}

interface Case {
  method: string;
  /** The path as the client sends it (already percent-encoded where needed). */
  path: string;
  /** Decoded query pairs. */
  query: Array<[string, string]>;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

const PATHS = ['/', '/a/b', '/with%20space', '/%C3%BCn%C3%AFcode', '/a%2Fb', '/a+b', '/~user', '/trailing/', "/it's(ok)!*"];
const QUERIES: Array<Array<[string, string]>> = [
  [],
  [
    ['a', '1'],
    ['b', '2'],
  ],
  [
    ['b', '2'],
    ['a', '1'],
    ['a', '0'],
  ],
  [['empty', '']],
  [['ünï', 'cødé']],
  [
    ['reserved', "!'()*;:@&=+$,/?#[] %"],
    ['tilde', '~x'],
  ],
  [['plus', 'a+b c']],
];
const BODIES: Array<string | Uint8Array> = ['', '{"name":"widget","n":1}', new Uint8Array([0, 1, 2, 253, 254, 255])];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const path of PATHS) {
    for (const query of QUERIES) {
      const method = METHODS[i % METHODS.length]!;
      const body = method === 'GET' || method === 'DELETE' ? '' : BODIES[i % BODIES.length]!;
      out.push({
        method,
        path,
        query,
        body,
        headers: i % 2 ? { 'content-type': 'application/json', 'x-custom': '  spaced   value ' } : {},
      });
      i++;
    }
  }
  return out;
}

const wireQuery = (pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
const bytes = (b: string | Uint8Array) => (typeof b === 'string' ? new TextEncoder().encode(b) : b);
const label = (c: Case) => `${c.method} ${c.path}?${wireQuery(c.query)} (${bytes(c.body).length} B)`;

function fromHeaders(headers: Record<string, string | string[] | number | undefined>): Array<[string, string]> {
  return Object.entries(headers).map(([n, v]) => [n, String(v)] as [string, string]);
}

describe('@smithy/signature-v4 (the AWS SDK v3 signer)', () => {
  for (const [service, uriEscapePath] of [
    ['execute-api', true],
    ['s3', false],
  ] as const) {
    const signer = new SignatureV4({ credentials: KEY, region: 'eu-west-1', service, sha256: Sha256, uriEscapePath });
    // Dot segments are the client's business to avoid for S3 (no normalisation there).
    it.each(cases().map((c) => [label(c), c] as const))(`${service}: %s`, async (_l, c) => {
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of c.query) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const signed = await signer.sign(
        {
          method: c.method,
          protocol: 'https:',
          hostname: HOST,
          path: c.path,
          query,
          headers: { host: HOST, ...c.headers },
          body: bytes(c.body),
        },
        { signingDate: new Date(NOW) },
      );
      const req: SignedRequest = {
        method: c.method,
        path: c.path,
        query: wireQuery(c.query),
        headers: fromHeaders(signed.headers),
        body: bytes(c.body),
      };
      const result = await verifier(service).verify(req);
      expect(result).toMatchObject({ ok: true, keyId: KEY.accessKeyId });
    });
  }

  it('verifies x-amz-content-sha256 and a session token', async () => {
    const signer = new SignatureV4({
      credentials: { ...KEY, sessionToken: TOKEN },
      region: 'eu-west-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const body = bytes('{"k":"v"}');
    const sha = new Sha256();
    sha.update(body);
    const hash = Buffer.from(await sha.digest()).toString('hex');
    const signed = await signer.sign(
      {
        method: 'PUT',
        protocol: 'https:',
        hostname: HOST,
        path: '/bucket/key.json',
        query: {},
        headers: { host: HOST, 'x-amz-content-sha256': hash },
        body,
      },
      { signingDate: new Date(NOW) },
    );
    const req: SignedRequest = { method: 'PUT', path: '/bucket/key.json', query: '', headers: fromHeaders(signed.headers), body };
    expect(await verifier('s3', TOKEN).verify(req)).toMatchObject({ ok: true });
    expect(await verifier('s3', TOKEN).verify({ ...req, body: bytes('{"k":"w"}') })).toMatchObject({
      ok: false,
      error: { code: 'ERR_PAYLOAD_HASH_MISMATCH' },
    });
    expect(await verifier('s3').verify(req)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it.each(
    cases()
      .filter((c) => c.method === 'GET')
      .map((c) => [label(c), c] as const),
  )('presigned: %s', async (_l, c) => {
    const signer = new SignatureV4({ credentials: KEY, region: 'eu-west-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of c.query) query[k] = query[k] === undefined ? v : ([] as string[]).concat(query[k]!, v);
    const presigned = await signer.presign(
      { method: 'GET', protocol: 'https:', hostname: HOST, path: c.path, query, headers: { host: HOST } },
      { signingDate: new Date(NOW), expiresIn: 3600 },
    );
    const pairs: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(presigned.query ?? {}))
      for (const one of ([] as Array<string | null>).concat(v as string)) pairs.push([k, one ?? '']);
    const req: SignedRequest = {
      method: 'GET',
      path: c.path,
      query: wireQuery(pairs),
      headers: fromHeaders(presigned.headers),
      body: new Uint8Array(),
    };
    expect(await verifier('s3').verify(req)).toMatchObject({ ok: true });
  });
});

describe('aws4 (the most used standalone signer)', () => {
  it.each(cases().map((c) => [label(c), c] as const))('%s', async (_l, c) => {
    const body = bytes(c.body);
    const rawQuery = wireQuery(c.query);
    const opts = aws4.sign(
      {
        host: HOST,
        method: c.method,
        path: c.path + (rawQuery ? '?' + rawQuery : ''),
        service: 'execute-api',
        region: 'eu-west-1',
        headers: { ...c.headers, 'X-Amz-Date': AMZ_NOW },
        body: Buffer.from(body),
        signQuery: false,
      },
      { ...KEY },
    );
    // aws4 may rewrite the path it sends; what it returns in opts.path is what goes on the wire.
    const { path, query } = splitUrl(opts.path!);
    const headers = fromHeaders(opts.headers as Record<string, string>);
    if (!headers.some(([n]) => n.toLowerCase() === 'host')) headers.unshift(['Host', HOST]);
    const req: SignedRequest = { method: c.method, path, query, headers, body };
    expect(await verifier('execute-api').verify(req)).toMatchObject({ ok: true });
  });
});
