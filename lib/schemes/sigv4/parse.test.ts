import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthFailure } from '../../core/errors.ts';
import { isCanonicalAwsQuery, parseQuery } from './canonical.ts';
import { percentDecode } from '../../core/encoding.ts';
import { carriesSigV4, parseAuthorizationHeader, parsePresignedQuery, splitCredential } from './parse.ts';

const SIG = 'a'.repeat(64);
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof AuthFailure ? `${e.code}: ${e.message}` : String(e);
  }
};

describe('splitCredential', () => {
  // The regex it replaces: correct, but it leaves the search for the last four slashes to backtracking.
  const OLD_CREDENTIAL_RE = /^(.+)\/([^/]*)\/([^/]*)\/([^/]*)\/([^/]*)$/;

  it('splits from the right exactly as the old regex did (fast-check)', () => {
    const credential = fc.string({ unit: fc.constantFrom('/', '/', 'a', 'B', '1', '_', ' ', ',', '-'), maxLength: 24 });
    fc.assert(
      fc.property(credential, (c) => {
        expect(splitCredential(c)).toEqual(OLD_CREDENTIAL_RE.exec(c)?.slice(1) ?? undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['remoteci/abc/20261124/BHS3/api/dci2_request', ['remoteci/abc', '20261124', 'BHS3', 'api', 'dci2_request']],
    ['AKID/20261124/us-east-1/s3/aws4_request', ['AKID', '20261124', 'us-east-1', 's3', 'aws4_request']],
    ['/20261124/us-east-1/s3/aws4_request', undefined],
    ['AKID/us-east-1/s3/aws4_request', undefined],
    ['////', undefined],
    ['/////', ['/', '', '', '', '']],
  ])('%j -> %j', (input, expected) => {
    expect(splitCredential(input)).toEqual(expected);
  });
});

describe('parsing hostile Authorization headers and presigned queries', () => {
  it('refuses a Credential of thousands of slashes at the 4096-character cap as malformed', () => {
    const tail = '/20261124/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + SIG;
    const head = 'AWS4-HMAC-SHA256 Credential=AKID';
    const value = head + '/'.repeat(4096 - head.length - tail.length) + tail;
    expect(value).toHaveLength(4096);
    expect(codeOf(() => parseAuthorizationHeader(value, ''))).toBe('ERR_AUTH_MALFORMED: Credential has an invalid key id');
  });

  const presignedWith = (signedHeaders: string) =>
    parseQuery(
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261124T120000Z' +
        `&X-Amz-Expires=60&X-Amz-Signature=${SIG}&X-Amz-SignedHeaders=${signedHeaders}`,
    );

  it('refuses more signed headers than the request carries before looking at the names', () => {
    const names = Array.from({ length: 16_000 }, (_, i) => 'h' + i.toString(36));
    const list = names.join(';') + ';' + names[names.length - 1];
    expect(codeOf(() => parsePresignedQuery(presignedWith(list), 3))).toBe(
      'ERR_AUTH_MALFORMED: SignedHeaders lists more headers than the request carries',
    );
  });

  it('still finds a duplicate, and checks the syntax, within the bound', () => {
    expect(codeOf(() => parsePresignedQuery(presignedWith('a;host;a'), 3))).toBe('ERR_AUTH_MALFORMED: SignedHeaders lists a header twice');
    expect(codeOf(() => parsePresignedQuery(presignedWith('a;;host'), 3))).toBe(
      'ERR_AUTH_MALFORMED: SignedHeaders must list lower-case header names',
    );
    expect(codeOf(() => parsePresignedQuery(presignedWith('a;host;'), 3))).toBe(
      'ERR_AUTH_MALFORMED: SignedHeaders must list lower-case header names',
    );
    expect(codeOf(() => parsePresignedQuery(presignedWith('host;X-a'), 3))).toBe(
      'ERR_AUTH_MALFORMED: SignedHeaders must list lower-case header names',
    );
    expect(parsePresignedQuery(presignedWith('a;b;host'), 3).signedHeaders).toEqual(['a', 'b', 'host']);
  });

  it('names the first X-Amz-* parameter a presigned query repeats or lacks, in a fixed order', () => {
    const q = presignedWith('host');
    const again = (key: string) => [...q, q.find((p) => p.key === key)!];
    expect(codeOf(() => parsePresignedQuery(again('X-Amz-Signature'), 3))).toBe(
      'ERR_AUTH_MALFORMED: presigned URL repeats X-Amz-Signature',
    );
    expect(codeOf(() => parsePresignedQuery(again('X-Amz-Credential'), 3))).toBe(
      'ERR_AUTH_MALFORMED: presigned URL repeats X-Amz-Credential',
    );
    expect(
      codeOf(() =>
        parsePresignedQuery(
          q.filter((p) => p.key !== 'X-Amz-Date'),
          3,
        ),
      ),
    ).toBe('ERR_AUTH_MALFORMED: presigned URL lacks X-Amz-Date');
    // The algorithm is judged first: an unknown one is unsupported even when something else repeats.
    const unknown = q.map((p) => (p.key === 'X-Amz-Algorithm' ? { key: p.key, value: 'AWS4-ECDSA-P256-SHA256' } : p));
    const repeatedSignature = [...unknown, q.find((p) => p.key === 'X-Amz-Signature')!];
    expect(codeOf(() => parsePresignedQuery(repeatedSignature, 3))).toBe('ERR_AUTH_UNSUPPORTED: unsupported signature algorithm');
  });
});

describe('carriesSigV4: presigned-URL parameters in any spelling an origin decodes', () => {
  const req = (query: string) => ({ method: 'GET', path: '/', query, headers: [] as Array<[string, string]> });
  it('agrees with decoding each key and ignoring case (property)', () => {
    // Each character of a name as itself, in either case, or as an escape; sometimes one character off.
    const spelled = (name: string) =>
      fc
        .tuple(
          ...[...name].map((ch) =>
            fc.constantFrom(
              ch,
              ch.toUpperCase(),
              ch.toLowerCase(),
              '%' + ch.charCodeAt(0).toString(16).toUpperCase(),
              '%' + ch.charCodeAt(0).toString(16),
            ),
          ),
        )
        .map((parts) => parts.join(''));
    const key = fc.oneof(
      spelled('X-Amz-Algorithm'),
      spelled('X-Amz-Signature'),
      spelled('X-Amz-Signatura'),
      fc.string({ maxLength: 20 }),
      fc.constant('%FF%FE%FD%FC%FB'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.string({ maxLength: 4 })), { maxLength: 5 }), (pairs) => {
        const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const model = pairs.some(([k]) => {
          let name = k;
          try {
            name = percentDecode(k, true);
          } catch {
            return false;
          }
          return ['x-amz-algorithm', 'x-amz-signature'].includes(name.toLowerCase());
        });
        expect(carriesSigV4(req(query))).toBe(model);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the query of a header-signed request', () => {
  const header =
    'AWS4-HMAC-SHA256 Credential=AKID/20261124/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + SIG;

  it('is decoded only when it is not its own canonical form (AWS profile), and fails as before when it cannot be', () => {
    const part = fc.constantFrom('a', 'Z', '0', '-', '_', '.', '~', '=', '&', '%20', '%2', '%FF', '%C3%A9', '+', ' ', '/');
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), fc.constantFrom('aws' as const, 'dciauth' as const), (parts, profile) => {
        const query = parts.join('');
        let decoded: ReturnType<typeof parseQuery> | string;
        try {
          decoded = parseQuery(query, profile === 'dciauth');
        } catch (e) {
          decoded = e instanceof AuthFailure ? e.code : String(e);
        }
        let claim: ReturnType<typeof parseAuthorizationHeader> | undefined;
        let code: string | undefined;
        try {
          claim = parseAuthorizationHeader(header, query, Infinity, profile);
        } catch (e) {
          code = e instanceof AuthFailure ? e.code : String(e);
        }
        // A query that does not decode is refused while the header is read, as it always was.
        if (typeof decoded === 'string') {
          expect(code).toBe(decoded);
          return;
        }
        expect(code).toBeUndefined();
        if (profile === 'aws' && isCanonicalAwsQuery(query)) expect(claim!.queryPairs).toBeUndefined();
        else expect(claim!.queryPairs).toEqual(decoded);
      }),
      { numRuns: 3000 },
    );
  });
});
