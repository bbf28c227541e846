/**
 * The floor Worker of `npm run bench:edge`: the least code a Worker needs to answer the bench's
 * requests as ours must, with crypto.subtle. BENCHMARKS.md shows this file as it is.
 *
 * It knows what a real verifier must find out: the one key (its signing key derived once per
 * isolate and date, as ours caches it), the region and service, that the headers SignedHeaders
 * names come sorted and each once, that the query needs no decoding, and that a GET has no body (so
 * its hash is a constant, as in ours). Per request it reads the URL and the headers, builds the
 * canonical request, hashes it, signs the string to sign and compares the result with the
 * signature. A match gets the same JSON echo as ours. Anything else gets a 401 of the same shape as
 * ours, logged as one JSON line, because logging every rejection is part of the job (issue 8). It
 * parses nothing else, validates nothing, reads no clock and routes nothing.
 */
interface Env {
  readonly AUTH_CONFIG: string;
}

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function hex(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}
const importHmac = (raw: ArrayBuffer | Uint8Array) =>
  crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
const hmac = (key: CryptoKey, data: string) => crypto.subtle.sign('HMAC', key, encoder.encode(data));

interface Key {
  readonly principal: string;
  readonly permissions: readonly string[];
  readonly scope: string;
  readonly date: string;
  readonly signingKey: CryptoKey;
}
let key: Key | undefined;

async function keyFor(env: Env, date: string): Promise<Key> {
  if (key?.date === date) return key;
  const config = JSON.parse(env.AUTH_CONFIG) as {
    schemes: { sigv4: { region: string; service: string } };
    keys: Array<{ secret: string; principal: string; permissions?: string[] }>;
  };
  const { region, service } = config.schemes.sigv4;
  const { secret, principal, permissions = [] } = config.keys[0]!;
  let k = await hmac(await importHmac(encoder.encode('AWS4' + secret)), date);
  k = await hmac(await importHmac(k), region);
  k = await hmac(await importHmac(k), service);
  k = await hmac(await importHmac(k), 'aws4_request');
  key = { principal, permissions, scope: `${date}/${region}/${service}/aws4_request`, date, signingKey: await importHmac(k) };
  return key;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = request.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const q = url.indexOf('?', start);
    const path = q === -1 ? url.slice(start) : url.slice(start, q);
    let authorization = '';
    const headers = new Map<string, string>();
    request.headers.forEach((value, name) => {
      if (name === 'authorization') authorization = value;
      else headers.set(name, value);
    });
    const timestamp = headers.get('x-amz-date') ?? '';
    if (authorization !== '' && timestamp.length === 16) {
      const from = authorization.indexOf('SignedHeaders=') + 14;
      const names = authorization.slice(from, authorization.indexOf(',', from));
      let headerBlock = '';
      for (const n of names.split(';')) headerBlock += n + ':' + (headers.get(n) ?? '').trim() + '\n';
      const rawQuery = q === -1 ? '' : url.slice(q + 1);
      const query = rawQuery.split('&').sort().join('&');
      const k = await keyFor(env, timestamp.slice(0, 8));
      const canonical = request.method + '\n' + path + '\n' + query + '\n' + headerBlock + '\n' + names + '\n' + EMPTY_SHA256;
      const sts =
        'AWS4-HMAC-SHA256\n' + timestamp + '\n' + k.scope + '\n' + hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)));
      if (hex(await hmac(k.signingKey, sts)) === authorization.slice(authorization.lastIndexOf('Signature=') + 10)) {
        return Response.json({
          ok: true,
          principal: k.principal,
          permissions: k.permissions,
          scheme: 'sigv4',
          method: request.method,
          path,
        });
      }
    }
    console.log(JSON.stringify({ event: 'auth.rejected', code: 'ERR_AUTH_MISSING', status: 401, method: request.method, path }));
    return new Response(
      JSON.stringify({ error: 'ERR_AUTH_MISSING', message: 'request is not signed', status: 401, reason: 'Unauthorized' }),
      { status: 401, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'www-authenticate': 'AWS4-HMAC-SHA256' } },
    );
  },
};
