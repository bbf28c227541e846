import type { SignedRequest } from '../../core/request.ts';
import type { Signer } from '../../core/verifier.ts';

/** The `code` of every error `createSignedFetch` throws itself (all are `TypeError`s, as fetch's own are). */
export type SignedFetchErrorCode =
  /** The body is larger than `maxBodyBytes`: it cannot be hashed without buffering it all. */
  | 'ERR_SIGNED_FETCH_BODY_TOO_LARGE'
  /** A `ReadableStream` body with `duplex: 'half'`: the caller asked to stream it, and a signature needs it whole. */
  | 'ERR_SIGNED_FETCH_STREAMING_BODY'
  /** A body type fetch would turn into text by `toString()` (numbers, plain objects, async iterables). */
  | 'ERR_SIGNED_FETCH_BODY_UNSUPPORTED'
  /** The body (of a `Request` or a stream) was already read or is locked. */
  | 'ERR_SIGNED_FETCH_BODY_USED'
  /** Not an http(s) URL, credentials in the URL, or a signer that returned a path or query fetch would send differently. */
  | 'ERR_SIGNED_FETCH_URL'
  /** A `Host` header that differs from the URL's host (fetch sends the URL's). */
  | 'ERR_SIGNED_FETCH_HOST';

/** Thrown (as a rejected promise) instead of sending a request whose signature would not match what is sent. */
export class SignedFetchError extends TypeError {
  readonly code: SignedFetchErrorCode;
  constructor(code: SignedFetchErrorCode, message: string) {
    super(message);
    this.name = 'SignedFetchError';
    this.code = code;
  }
}

/** How `createSignedFetch` sends and how much body it may buffer to hash. */
export interface SignedFetchOptions {
  /** The fetch to send with (default: the global `fetch`, looked up at call time). */
  readonly fetch?: typeof fetch;
  /** Largest body read into memory to be hashed and sent (default 10 MiB). */
  readonly maxBodyBytes?: number;
}

/** A `fetch` that signs every request before sending it: same arguments, same `Response`. */
export type SignedFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const encoder = new TextEncoder();

function tooLarge(max: number): SignedFetchError {
  return new SignedFetchError('ERR_SIGNED_FETCH_BODY_TOO_LARGE', `request body is larger than maxBodyBytes (${max})`);
}

async function readStream(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = stream.getReader();
  } catch {
    throw new SignedFetchError('ERR_SIGNED_FETCH_BODY_USED', 'request body stream is locked or was already read');
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      await reader.cancel().catch(() => undefined);
      throw new SignedFetchError('ERR_SIGNED_FETCH_BODY_UNSUPPORTED', 'request body stream must yield Uint8Array chunks');
    }
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    chunks.push(value.slice());
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function bounded(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.byteLength > max) throw tooLarge(max);
  return bytes;
}

/**
 * The body as the exact bytes to hash and send (always a private copy, so a caller mutating its
 * buffer after the call cannot change what was signed), and the Content-Type fetch would have
 * derived from it.
 */
async function bodyBytes(body: unknown, max: number, duplex: unknown): Promise<{ bytes: Uint8Array; type?: string }> {
  if (typeof body === 'string') return { bytes: bounded(encoder.encode(body), max), type: 'text/plain;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { bytes: bounded(new Uint8Array(body.slice(0)), max) };
  if (ArrayBuffer.isView(body)) return { bytes: bounded(new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice(), max) };
  if (body instanceof URLSearchParams) {
    return { bytes: bounded(encoder.encode(body.toString()), max), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    if (body.size > max) throw tooLarge(max);
    return { bytes: new Uint8Array(await body.arrayBuffer()), ...(body.type ? { type: body.type } : {}) };
  }
  if (typeof FormData !== 'undefined' && body instanceof FormData) {
    // The multipart encoding (and its boundary) exactly as fetch would produce it.
    const encoded = new Response(body);
    const type = encoded.headers.get('content-type') ?? undefined;
    const bytes = encoded.body ? await readStream(encoded.body, max) : new Uint8Array();
    return { bytes, ...(type ? { type } : {}) };
  }
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) {
    if (duplex === 'half') {
      throw new SignedFetchError(
        'ERR_SIGNED_FETCH_STREAMING_BODY',
        "a streaming body (duplex: 'half') cannot be signed without buffering it: drop duplex to let signed fetch read it (up to maxBodyBytes)",
      );
    }
    return { bytes: await readStream(body as ReadableStream<Uint8Array>, max) };
  }
  throw new SignedFetchError('ERR_SIGNED_FETCH_BODY_UNSUPPORTED', 'unsupported request body type');
}

/** The request-target exactly as fetch will send it for `url` (WHATWG serialisation). */
function target(url: URL): { path: string; query: string } {
  return { path: url.pathname, query: url.search.slice(1) };
}

/**
 * Wraps fetch so every request is signed by `signer` (any scheme's `Signer`) over exactly the bytes
 * that are sent.
 *
 * - **Body**: string, ArrayBuffer, typed arrays, Blob, URLSearchParams, FormData and ReadableStream
 *   bodies are read once into bytes (at most `maxBodyBytes`), hashed and sent as those bytes, with the
 *   Content-Type fetch would have given them unless one is set. A body that cannot be hashed that way
 *   rejects with a `SignedFetchError` (a `TypeError` with a stable `code`), never a wrong signature:
 *   over the limit, a stream sent with `duplex: 'half'` (the caller asked to stream it), a body already
 *   read, or a type fetch would stringify.
 * - **URL**: fetch parses every URL with the WHATWG URL parser before sending it, and that parser
 *   changes paths and queries: dot segments (`/a/./b`, `/a/../b`, also `%2e` and `%2E`) are
 *   resolved, `\` becomes `/` in http(s) paths, spaces, quotes, `<`, `>`, `` ` ``, `{`, `}` (path) and
 *   `'` (query) and every non-ASCII character are percent-encoded, tabs and newlines are removed, the
 *   host is lower-cased and a default port dropped, and the fragment is never sent. Existing escapes
 *   are kept as written (`%2F`, `%7e`). So the signer is given the path and query in that serialised
 *   form, which is what goes on the wire, and the request is sent to a URL that serialises to it
 *   unchanged (checked: a signer whose output fetch would alter is an `ERR_SIGNED_FETCH_URL`).
 * - **Redirects are not followed**: a 3xx is the response (`redirect: 'manual'`; `'error'` is kept if
 *   asked for). The signature covers one URL, and fetch, following a redirect to another origin,
 *   would drop only `Authorization` and send the other credential headers (`X-Api-Key`, MAuth's,
 *   uStudio's, `X-Amz-Security-Token`) there. Read `Location` and call again if the new URL is one
 *   you trust (in a browser the answer is an opaque redirect, status 0, whose `Location` cannot be read).
 * - **Headers** are signed as a `Headers` object holds them (names lower-cased, values trimmed,
 *   repeated headers joined with ", "), which is how fetch sends them; `host` is signed as the URL's
 *   host, which is what fetch sends. The method is upper-cased (fetch upper-cases only the six
 *   standard methods).
 *
 * @throws SignedFetchError (TypeError) with a `SignedFetchErrorCode`; fetch's own errors pass through.
 * @example
 * const signedFetch = createSignedFetch(createSigV4Signer({ keyId, secret, region: 'us-east-1', service: 'execute-api' }));
 * const res = await signedFetch('https://api.example.com/prod/items?limit=10', { method: 'POST', body: JSON.stringify(item) });
 */
export function createSignedFetch(signer: Signer, options: SignedFetchOptions = {}): SignedFetch {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) throw new TypeError('maxBodyBytes must be a non-negative integer');
  if (!signer || typeof signer.sign !== 'function') throw new TypeError('signer must have a sign(request) method');

  return async function signedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const send = options.fetch ?? globalThis.fetch;
    const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    let url: URL;
    try {
      url = new URL(request ? request.url : input instanceof URL ? input.href : String(input), base);
    } catch {
      throw new SignedFetchError('ERR_SIGNED_FETCH_URL', 'request URL is not a valid absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SignedFetchError('ERR_SIGNED_FETCH_URL', 'only http: and https: URLs can be signed');
    }
    if (url.username !== '' || url.password !== '') {
      throw new SignedFetchError('ERR_SIGNED_FETCH_URL', 'request URL must not carry credentials');
    }

    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers ?? request?.headers);
    const givenHost = headers.get('host');
    if (givenHost !== null && givenHost.toLowerCase() !== url.host) {
      throw new SignedFetchError('ERR_SIGNED_FETCH_HOST', 'a Host header must equal the URL host (fetch sends the URL host)');
    }
    headers.delete('host');

    let body: Uint8Array | undefined;
    if (init.body !== undefined && init.body !== null) {
      const read = await bodyBytes(init.body, max, (init as { duplex?: unknown }).duplex);
      body = read.bytes;
      if (read.type !== undefined && !headers.has('content-type')) headers.set('content-type', read.type);
    } else if (init.body === undefined && request?.body) {
      if (request.bodyUsed) throw new SignedFetchError('ERR_SIGNED_FETCH_BODY_USED', 'the Request body was already read');
      body = await readStream(request.body, max);
    }

    const pairs: Array<[string, string]> = [['host', url.host]];
    headers.forEach((value, name) => pairs.push([name, value]));
    const { path, query } = target(url);
    const unsigned: SignedRequest = { method, path, query, headers: pairs, body: body ?? new Uint8Array() };
    const signed = await signer.sign(unsigned);

    const sendUrl = url.origin + signed.path + (signed.query === '' ? '' : '?' + signed.query);
    const sent = target(new URL(sendUrl));
    if (sent.path !== signed.path || sent.query !== signed.query) {
      throw new SignedFetchError('ERR_SIGNED_FETCH_URL', 'the signed path or query is not what fetch would send');
    }
    const out = new Headers();
    for (const [name, value] of signed.headers) if (name.toLowerCase() !== 'host') out.append(name, value);
    const sentBody = signed.body ?? body;

    const rest: RequestInit = { ...init };
    delete rest.body;
    delete rest.headers;
    delete rest.method;
    delete (rest as { duplex?: unknown }).duplex;
    if (request && rest.signal === undefined) rest.signal = request.signal;
    // A signature (or a bearer credential) is for this URL: never resent to where a redirect points.
    // fetch drops only Authorization when it follows a redirect to another origin, so X-Api-Key,
    // MAuth's and uStudio's headers and X-Amz-Security-Token would go along. "error" is kept; any
    // other mode (fetch's default "follow" included, a Request's too) becomes "manual": the 3xx is
    // the answer.
    const redirect = (init.redirect ?? request?.redirect) === 'error' ? 'error' : 'manual';
    return send(sendUrl, {
      ...rest,
      redirect,
      method: signed.method,
      headers: out,
      ...(body !== undefined || (sentBody !== undefined && sentBody.byteLength > 0) ? { body: sentBody as Uint8Array<ArrayBuffer> } : {}),
    });
  };
}
