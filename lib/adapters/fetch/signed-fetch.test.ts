import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import type { Signer } from '../../core/verifier.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { createSigV4Signer } from '../../schemes/sigv4/signer.ts';
import { createSigV4Verifier } from '../../schemes/sigv4/verifier.ts';
import { toSignedRequest } from '../fetch-request.ts';
import { createSignedFetch, SignedFetchError, type SignedFetchErrorCode } from './index.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const signer = createSigV4Signer({
  keyId: 'AKIDFETCH',
  secret: 'signed-fetch-secret-1',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});
const verifier = createSigV4Verifier({
  keys: createMemoryKeyStore([{ id: 'AKIDFETCH', secrets: ['signed-fetch-secret-1'], principal: 'fetcher', permissions: [] }]),
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});

interface Received {
  readonly url: string;
  readonly request: SignedRequest;
  readonly result: AuthResult;
}

/**
 * A fetch that does what a server does with what fetch sends: the Request fetch builds from
 * (input, init), read back as a server reads it, with Host from the URL as fetch sends it.
 * `tamper` changes the request after signing, as a man in the middle would.
 */
function fakeFetch(tamper?: (r: SignedRequest) => SignedRequest) {
  const calls: Received[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const wire = new Request(input, init);
    const read = await toSignedRequest(wire, 100 * 1024 * 1024);
    if (!read.ok) throw new Error(read.error.code);
    let request: SignedRequest = { ...read.request, headers: [['host', new URL(wire.url).host], ...read.request.headers] };
    if (tamper) request = tamper(request);
    const result = await verifier.verify(request);
    calls.push({ url: String(input), request, result });
    return new Response(result.ok ? 'ok' : result.error.code, { status: result.ok ? 200 : result.error.status });
  };
  return { calls, fetchImpl: fetchImpl as typeof fetch };
}

async function codeOf(p: Promise<unknown>): Promise<SignedFetchErrorCode | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    expect(e).toBeInstanceOf(SignedFetchError);
    return (e as SignedFetchError).code;
  }
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('createSignedFetch: the verifier accepts exactly what fetch received', () => {
  it('signs a GET with a query, and fetch gets the signed path and query unchanged', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/prod/items?limit=10&b=%2F');
    expect(res.status).toBe(200);
    expect(calls[0]!.url).toBe('https://api.example.test/prod/items?limit=10&b=%2F');
    expect(calls[0]!.request.headers.some(([n]) => n === 'authorization')).toBe(true);
  });

  it.each<[string, () => BodyInit, Uint8Array, string | null]>([
    ['string', () => '{"name":"widget"}', bytesOf('{"name":"widget"}'), 'text/plain;charset=UTF-8'],
    ['Uint8Array', () => new Uint8Array([0, 1, 2, 255]), new Uint8Array([0, 1, 2, 255]), null],
    ['ArrayBuffer', () => new Uint8Array([9, 8, 7]).buffer, new Uint8Array([9, 8, 7]), null],
    ['DataView over part of a buffer', () => new DataView(new Uint8Array([1, 2, 3, 4, 5]).buffer, 1, 3), new Uint8Array([2, 3, 4]), null],
    ['Blob', () => new Blob(['blob body'], { type: 'application/x-test' }), bytesOf('blob body'), 'application/x-test'],
    [
      'URLSearchParams',
      () => new URLSearchParams({ a: '1 2', b: 'é' }),
      bytesOf('a=1+2&b=%C3%A9'),
      'application/x-www-form-urlencoded;charset=UTF-8',
    ],
    [
      'ReadableStream',
      () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(bytesOf('chunk one, '));
            c.enqueue(bytesOf('chunk two'));
            c.close();
          },
        }),
      bytesOf('chunk one, chunk two'),
      null,
    ],
  ])('sends and signs the bytes of a %s body, with the Content-Type fetch would give it', async (_name, make, bytes, type) => {
    const { calls, fetchImpl } = fakeFetch();
    const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/upload', { method: 'POST', body: make() });
    expect(res.status).toBe(200);
    expect(calls[0]!.request.body).toEqual(bytes);
    const contentType = calls[0]!.request.headers.find(([n]) => n === 'content-type')?.[1] ?? null;
    expect(contentType).toBe(type);
  });

  it('signs a FormData body in its multipart encoding, boundary included', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const form = new FormData();
    form.set('field', 'value');
    form.set('file', new Blob(['file body'], { type: 'text/plain' }), 'a.txt');
    const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/form', { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const type = calls[0]!.request.headers.find(([n]) => n === 'content-type')![1];
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
    expect(new TextDecoder().decode(calls[0]!.request.body)).toContain('file body');
  });

  it('keeps a Content-Type the caller set, and signs headers as fetch sends them (trimmed, lower-cased)', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/x', {
      method: 'put',
      headers: { 'Content-Type': 'application/json', 'X-Trace': '  spaced  ' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(calls[0]!.request.method).toBe('PUT');
    expect(calls[0]!.request.headers).toContainEqual(['content-type', 'application/json']);
    expect(calls[0]!.request.headers).toContainEqual(['x-trace', 'spaced']);
  });

  it('reads a Request input: its method, headers and body', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const input = new Request('https://api.example.test/r?q=1', { method: 'PATCH', headers: { 'x-a': 'b' }, body: 'request body' });
    const res = await createSignedFetch(signer, { fetch: fetchImpl })(input);
    expect(res.status).toBe(200);
    expect(calls[0]!.request.method).toBe('PATCH');
    expect(new TextDecoder().decode(calls[0]!.request.body)).toBe('request body');
  });

  it('signs the URL fetch would send (dot segments resolved, spaces and non-ASCII escaped, fragment dropped)', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://API.example.test:443/a/./b/../c d/é?x=1 2&y=ü#frag');
    expect(res.status).toBe(200);
    expect(calls[0]!.url).toBe('https://api.example.test/a/c%20d/%C3%A9?x=1%202&y=%C3%BC');
  });

  it('signs the presigned query a signer adds', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const presigner: Signer = { scheme: 'sigv4', sign: (req) => signer.presign(req, { expiresIn: 60 }) };
    const res = await createSignedFetch(presigner, { fetch: fetchImpl })('https://api.example.test/p?a=1');
    expect(res.status).toBe(200);
    expect(calls[0]!.url).toMatch(/\?a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&.*&X-Amz-Signature=[0-9a-f]{64}$/);
  });

  it('uses the global fetch, looked up at call time, when none is given', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const original = globalThis.fetch;
    globalThis.fetch = fetchImpl;
    try {
      expect((await createSignedFetch(signer)('https://api.example.test/global')).status).toBe(200);
    } finally {
      globalThis.fetch = original;
    }
    expect(calls).toHaveLength(1);
  });
});

describe('createSignedFetch: tampering is rejected', () => {
  it.each([
    ['the body', (r: SignedRequest) => ({ ...r, body: bytesOf('{"amount":1000}') })],
    ['the path', (r: SignedRequest) => ({ ...r, path: r.path + 'x' })],
    ['the query', (r: SignedRequest) => ({ ...r, query: 'amount=1000' })],
    ['the method', (r: SignedRequest) => ({ ...r, method: 'DELETE' })],
    [
      'a signed header',
      (r: SignedRequest) => ({ ...r, headers: r.headers.map(([n, v]) => [n, n === 'content-type' ? 'text/html' : v] as const) }),
    ],
  ])('%s changed after signing: 401', async (_name, tamper) => {
    const { calls, fetchImpl } = fakeFetch(tamper);
    const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/pay?amount=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount":1}',
    });
    expect(res.status).toBe(401);
    expect(calls[0]!.result).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it('a caller mutating its buffer after the call cannot change what is sent', async () => {
    const { calls, fetchImpl } = fakeFetch();
    const buffer = bytesOf('original');
    const pending = createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/m', { method: 'POST', body: buffer });
    buffer.set(bytesOf('MUTATED!'));
    expect((await pending).status).toBe(200);
    expect(new TextDecoder().decode(calls[0]!.request.body)).toBe('original');
  });
});

describe('createSignedFetch: bodies it cannot hash are errors with a stable code, never a wrong signature', () => {
  const neverCalled = (() => {
    throw new Error('fetch must not be called');
  }) as unknown as typeof fetch;
  const f = createSignedFetch(signer, { fetch: neverCalled, maxBodyBytes: 16 });
  const stream = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(bytesOf(chunk));
        c.close();
      },
    });

  it.each([
    ['a string over maxBodyBytes', () => f('https://a.test/', { method: 'POST', body: 'x'.repeat(17) }), 'ERR_SIGNED_FETCH_BODY_TOO_LARGE'],
    [
      'a Blob over maxBodyBytes',
      () => f('https://a.test/', { method: 'POST', body: new Blob(['x'.repeat(17)]) }),
      'ERR_SIGNED_FETCH_BODY_TOO_LARGE',
    ],
    [
      'a stream over maxBodyBytes',
      () => f('https://a.test/', { method: 'POST', body: stream('0123456789', '0123456789') }),
      'ERR_SIGNED_FETCH_BODY_TOO_LARGE',
    ],
    [
      "a stream sent with duplex: 'half'",
      () => f('https://a.test/', { method: 'POST', body: stream('a'), duplex: 'half' } as RequestInit),
      'ERR_SIGNED_FETCH_STREAMING_BODY',
    ],
    ['a number body', () => f('https://a.test/', { method: 'POST', body: 42 as unknown as BodyInit }), 'ERR_SIGNED_FETCH_BODY_UNSUPPORTED'],
    [
      'a locked stream',
      () => {
        const s = stream('a');
        s.getReader();
        return f('https://a.test/', { method: 'POST', body: s });
      },
      'ERR_SIGNED_FETCH_BODY_USED',
    ],
    [
      'a Request whose body was read',
      async () => {
        const r = new Request('https://a.test/', { method: 'POST', body: 'abc' });
        await r.text();
        return f(r);
      },
      'ERR_SIGNED_FETCH_BODY_USED',
    ],
    ['a Host header other than the URL host', () => f('https://a.test/', { headers: { host: 'b.test' } }), 'ERR_SIGNED_FETCH_HOST'],
    ['an ftp: URL', () => f('ftp://a.test/x'), 'ERR_SIGNED_FETCH_URL'],
    ['a URL with credentials', () => f('https://user:pw@a.test/x'), 'ERR_SIGNED_FETCH_URL'],
    ['a relative URL without a base', () => f('/relative'), 'ERR_SIGNED_FETCH_URL'],
    [
      'a signer whose path fetch would re-encode',
      () => createSignedFetch({ scheme: 'x', sign: async (r) => ({ ...r, path: '/a b' }) }, { fetch: neverCalled })('https://a.test/'),
      'ERR_SIGNED_FETCH_URL',
    ],
  ] as const)('%s', async (_name, call, code) => {
    expect(await codeOf(call())).toBe(code);
  });

  it('refuses a bad maxBodyBytes eagerly', () => {
    expect(() => createSignedFetch(signer, { maxBodyBytes: -1 })).toThrow(TypeError);
  });
});

describe('createSignedFetch properties', () => {
  const pathToken = fc.constantFrom(
    'a',
    'Z',
    '0',
    '-',
    '_',
    '.',
    '..',
    '~',
    '/',
    '//',
    '%2F',
    '%2e',
    '%2E%2E',
    '%41',
    '%7e',
    '%25',
    ' ',
    'é',
    '€',
    '\\',
    '!',
    '$',
    '&',
    "'",
    '(',
    ')',
    '*',
    '+',
    ',',
    ';',
    '=',
    ':',
    '@',
    '"',
    '<',
    '>',
    '`',
    '{',
    '}',
    '|',
    '^',
    '[',
    ']',
    '\t',
  );
  const queryToken = fc.constantFrom('a', 'b', '=', '&', '+', '%20', '%2B', ' ', 'é', "'", '"', '/', '?', '~', '%3D', '*', '!', ';');

  it('any path and query: fetch receives what was signed and the verifier accepts it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pathToken, { maxLength: 12 }), fc.array(queryToken, { maxLength: 10 }), async (p, q) => {
        const { calls, fetchImpl } = fakeFetch();
        const url = `https://api.example.test/${p.join('')}${q.length ? '?' + q.join('') : ''}`;
        const res = await createSignedFetch(signer, { fetch: fetchImpl })(url);
        expect(calls[0]!.result).toMatchObject({ ok: true });
        expect(res.status).toBe(200);
      }),
      { numRuns: 150 },
    );
  });

  const bodyOf = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }).map((s) => ({ body: s as BodyInit, bytes: bytesOf(s) })),
    fc.uint8Array({ maxLength: 300 }).map((b) => ({ body: b as BodyInit, bytes: b })),
    fc.uint8Array({ maxLength: 300 }).map((b) => ({ body: new Blob([b as Uint8Array<ArrayBuffer>]) as BodyInit, bytes: b })),
    fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }).map((chunks) => ({
      body: new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(chunk);
          c.close();
        },
      }) as BodyInit,
      bytes: new Uint8Array(chunks.flatMap((c) => [...c])),
    })),
  );

  it('any body: the bytes fetch sends are the bytes signed, and changing one byte is rejected', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf, fc.nat(), async ({ body, bytes }, flip) => {
        const { calls, fetchImpl } = fakeFetch();
        const res = await createSignedFetch(signer, { fetch: fetchImpl })('https://api.example.test/b', { method: 'POST', body });
        expect(res.status).toBe(200);
        expect(calls[0]!.request.body).toEqual(bytes);
        if (bytes.length > 0) {
          const tampered = calls[0]!.request.body!.slice();
          tampered[flip % tampered.length]! ^= 1;
          expect(await verifier.verify({ ...calls[0]!.request, body: tampered })).toMatchObject({ ok: false });
        }
      }),
      { numRuns: 100 },
    );
  });
});
