/**
 * The most expensive input an attacker can send at each configured limit, run through the whole
 * authenticator (limits first, then SigV4, and one USTUDIO-HMAC-V2 case). Every parse must stay linear
 * (or n log n, for a sort) in the input: these cases
 * show what the worst input at each limit costs beside an ordinary verification.
 */
import { decideLambdaRoute } from '../lib/adapters/aws-lambda/events.ts';
import { createAuthenticator, type Authenticator } from '../lib/authenticator.ts';
import { loadConfig } from '../lib/config/load.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import type { AuthResult } from '../lib/core/result.ts';
import { createSigV4Signer } from '../lib/schemes/sigv4/index.ts';
import { createUStudioSigner } from '../lib/schemes/ustudio-hmac/index.ts';

/** The largest limits the configuration schema allows (body: the configured default, 1 MiB). */
export const WORST_LIMITS = { maxUrlBytes: 64 * 1024, maxHeaderBytes: 256 * 1024, maxHeaderCount: 1000, maxBodyBytes: 1024 * 1024 };

export interface WorstCase {
  readonly name: string;
  /** What the case stresses, for the report. */
  readonly input: string;
  readonly fn: () => Promise<AuthResult>;
  /** The verdict on one run (checked before measuring, so an input refused by a limit cannot pass for a fast parse). */
  readonly outcome: string;
  /** Bytes of the whole request (URL, headers, body), for a cost per byte. */
  readonly bytes: number;
}

const KEY_ID = 'AKIDWORST';
const SECRET = 'bench-worst-case-secret-0123456789';
const REGION = 'us-east-1';
const SERVICE = 'execute-api';
const HOST = 'api.example.com';

const amz = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Deterministic pseudo-random sequence (LCG), so every run benchmarks the same input. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function urlLength(r: SignedRequest): number {
  return r.path.length + r.query.length + 1;
}

function headerBytes(r: SignedRequest): number {
  let n = 0;
  for (const [k, v] of r.headers) n += k.length + v.length + 4;
  return n;
}

function totalBytes(r: SignedRequest): number {
  return urlLength(r) + headerBytes(r) + (r.body?.length ?? 0);
}

async function decideThenAuthenticate(auth: Authenticator, req: SignedRequest, behindBasePaths = false): Promise<AuthResult> {
  // Behind base paths, as the Lambda adapters decide a custom domain's path (judged whole too).
  const decision = behindBasePaths ? decideLambdaRoute(auth, [req.method], [req.path], req.path) : auth.decide(req.method, req.path);
  if (!decision.ok) return { ok: false, error: decision.error };
  return auth.authenticate(req);
}

/** A copy the verifier has never seen (the header map is cached per header list), sharing the big strings. */
const fresh = (r: SignedRequest): SignedRequest => ({ ...r, headers: r.headers.slice() });

export async function worstCases(now: number, ordinary: SignedRequest, ordinaryKey: { id: string; secret: string }): Promise<WorstCase[]> {
  const clock = () => now;
  const auth = createAuthenticator(
    loadConfig({
      schemes: { sigv4: { region: REGION, service: SERVICE } },
      limits: WORST_LIMITS,
      // Rules that look at the path (11 characters in): a table of "*" alone reads no mount and drops no host.
      routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '/public/*', public: true }, { path: '*' }],
      keys: [
        { id: ordinaryKey.id, secret: ordinaryKey.secret, principal: 'bench' },
        { id: KEY_ID, secret: SECRET, principal: 'worst' },
      ],
    }),
    { clock },
  );
  const signer = createSigV4Signer({ keyId: KEY_ID, secret: SECRET, region: REGION, service: SERVICE, clock });
  const timestamp = amz(now);
  const date = timestamp.slice(0, 8);
  const fakeSig = 'f'.repeat(64);
  const get = (path: string, query: string, headers: Array<[string, string]> = []): SignedRequest => ({
    method: 'GET',
    path,
    query,
    headers: [['Host', HOST], ...headers],
    body: new Uint8Array(),
  });

  // Presigned query whose X-Amz-SignedHeaders fills the URL limit with short, distinct, sorted names.
  const names: string[] = ['host'];
  const abc = 'abcdefghijklmnopqrstuvwxyz';
  for (const a of abc) {
    names.push(a);
    for (const b of abc) {
      names.push(a + b);
      for (const c of abc) names.push(a + b + c);
    }
  }
  names.sort();
  const presignPrefix =
    `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${KEY_ID}%2F${date}%2F${REGION}%2F${SERVICE}%2Faws4_request` +
    `&X-Amz-Date=${timestamp}&X-Amz-Expires=300&X-Amz-Signature=${fakeSig}&X-Amz-SignedHeaders=`;
  const signedHeadersQuery = (duplicateAtEnd: boolean): string => {
    let q = presignPrefix;
    const room = WORST_LIMITS.maxUrlBytes - 2 - (duplicateAtEnd ? 4 : 0); // "/" and "?", room for ";" + a repeated name
    let last = '';
    for (const n of names) {
      const next = (last === '' ? '' : ';') + n;
      if (q.length + next.length > room) break;
      q += next;
      last = n;
    }
    return duplicateAtEnd ? q + ';' + last : q;
  };

  // Header auth over a query of one-character pairs ("a&k&3&..."), as many as the URL limit holds; validly signed.
  const rnd = lcg(42);
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const tinyQuery = (urlBytes: number) => {
    const tiny: string[] = [];
    while ((tiny.length + 1) * 2 + 1 <= urlBytes) tiny.push(alnum[rnd() % alnum.length]!);
    return tiny.join('&');
  };
  const tinyPairs = await signer.sign(get('/', tinyQuery(WORST_LIMITS.maxUrlBytes)));
  // The same at the default URL limit (16 KiB), to show how the cost grows with the number of pairs.
  const tinyPairsDefault = await signer.sign(get('/', tinyQuery(16 * 1024)));
  const pairCount = (r: SignedRequest) => r.query.split('&').length;

  // An Authorization header at its 4096-character cap whose Credential is mostly slashes.
  const tail = `/${date}/${REGION}/${SERVICE}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${fakeSig}`;
  const head = `AWS4-HMAC-SHA256 Credential=${KEY_ID}`;
  const slashy = get('/', '', [
    ['X-Amz-Date', timestamp],
    ['Authorization', head + '/'.repeat(4096 - head.length - tail.length) + tail],
  ]);

  // maxHeaderCount headers (two-character names, all signed) filling maxHeaderBytes, values full of whitespace runs.
  const headerNames: string[] = [];
  for (const a of alnum) for (const b of alnum) if (a + b !== 'te') headerNames.push(a + b);
  const custom = headerNames.slice(0, WORST_LIMITS.maxHeaderCount - 3); // + host, x-amz-date, authorization
  const valueLength = Math.floor((WORST_LIMITS.maxHeaderBytes - 4800 - custom.length * 6) / custom.length);
  const spaced = ' a \t b  c   d'.repeat(Math.ceil(valueLength / 13) + 1);
  const manyHeaders = await signer.sign(
    get(
      '/',
      '',
      custom.map((n, i) => [n, spaced.slice(i % 5, (i % 5) + valueLength)]),
    ),
  );

  // A path at the URL limit made of dot segments, empty segments and escapes; validly signed.
  const unit = '/a/./b/../%2e%2E/%41%7e//c%20d/..';
  const dotted = ('/x' + unit.repeat(Math.ceil(WORST_LIMITS.maxUrlBytes / unit.length))).slice(0, WORST_LIMITS.maxUrlBytes - 1);
  const dotPath = await signer.sign(get(dotted, ''));

  // A path at the URL limit made of every spelling route decisions read several ways (encoded slashes and
  // backslashes, ;params, double escapes, dot segments): the most readings (8) a path can have; validly signed.
  const ambiguousUnit = '/a%2F..;p=1/%5Cb%252F/./c\\d/%2e%2E;x/';
  const ambiguous = ('/x' + ambiguousUnit.repeat(Math.ceil(WORST_LIMITS.maxUrlBytes / ambiguousUnit.length))).slice(
    0,
    WORST_LIMITS.maxUrlBytes - 1,
  );
  const ambiguousPath = await signer.sign(get(ambiguous, ''));
  // The same spellings but for "..", at the default 16 KiB URL limit: read 58 times over, within what one decision
  // may read (MAX_READ_BYTES, 2 MiB, allows 128). With ".." beside them (above), more than 32 of a path's readings
  // are to be read every way again (as an origin behind one that normalised it reads them) at any length: refused.
  const acceptedUnit = '/a%2Fb;p=1/b%2Fc/./c\\d/%2e;x//';
  const ambiguousDefault = ('/x' + acceptedUnit.repeat(Math.ceil((16 * 1024) / acceptedUnit.length))).slice(0, 16 * 1024 - 1);
  const ambiguousDefaultPath = await signer.sign(get(ambiguousDefault, ''));
  const everySpelling = ('/x' + ambiguousUnit.repeat(Math.ceil(1024 / ambiguousUnit.length))).slice(0, 1023);
  const everySpellingPath = await signer.sign(get(everySpelling, ''));
  // The slowest refusal known before the read budget (0.6 s): %u escapes, %2F.. and "//" all along a path at the
  // URL limit, read every way in each form a URL front passes on. Now refused once 2 MiB is read.
  const hostileUnit = '/\\h//a/./%2F../%u0061;/';
  const hostile = hostileUnit.repeat(Math.floor((WORST_LIMITS.maxUrlBytes - 1) / hostileUnit.length));
  const hostilePath = await signer.sign(get(hostile, ''));
  // A path of spaces (REST hands a %20 over decoded): every trim from the end must be linear, never a
  // regular expression that tries each run of spaces.
  const spaces = '/x/' + ' '.repeat(WORST_LIMITS.maxUrlBytes - 6) + 'x';
  const spacesPath = await signer.sign(get(spaces, ''));
  // Escaped spaces after an escape escaped again: each reading is read every way again, and each is tested for a
  // name Windows trims (a regular expression that tried every start in the run of spaces took 1.2 s here).
  const escapedSpaces =
    ('/%252F/a' + '%20'.repeat(Math.floor((WORST_LIMITS.maxUrlBytes - 10) / 3))).slice(0, WORST_LIMITS.maxUrlBytes - 2) + 'x';
  const escapedSpacesPath = await signer.sign(get(escapedSpaces, ''));
  const readings = auth.decide('GET', ambiguousDefault);
  // Behind the most base paths a configuration may list (16), a path at the default 16 KiB URL limit under
  // one of them, of empty segments and backslashes: each reading is cut every way the apps cut it, and what
  // the apps make is read again (the eighth review's slowest accepted decision). With the default rule: under rules
  // that look at the path, its "//" near the start in every reading are refused ("names a host too often").
  const SIXTEEN = ['/a', '/a/a', '/b', '/v1', '/v1/v1', '/x', '/%41', '/a.b', '/ab', '/abc', '/aa', '/a/b', '/b/a', '/c', '/d', '/v1/beta'];
  const basedAuth = createAuthenticator(
    loadConfig({
      schemes: { sigv4: { region: REGION, service: SERVICE } },
      lambda: { basePaths: SIXTEEN },
      keys: [{ id: KEY_ID, secret: SECRET, principal: 'worst' }],
    }),
    { clock },
  );
  const behindUnit = '/\\/';
  const behind = ('/v1/' + behindUnit.repeat(Math.ceil((16 * 1024) / behindUnit.length))).slice(0, 16 * 1024 - 40);
  const behindPath = await signer.sign(get(behind, ''));

  // With rules that look 14 characters in (/api/admin/* beside a public rest), the same spellings under /api at the
  // default 16 KiB URL limit: a "//" near the start in several readings, each read again as a handler mounted before
  // it reads what follows (its host dropped).
  const mountedAuth = createAuthenticator(
    loadConfig({
      schemes: { sigv4: { region: REGION, service: SERVICE } },
      routes: [
        { path: '/api/admin/*', permissions: ['admin'] },
        { path: '*', public: true },
      ],
      keys: [{ id: KEY_ID, secret: SECRET, principal: 'worst', permissions: ['admin'] }],
    }),
    { clock },
  );
  const mounted = ('/api' + acceptedUnit.repeat(Math.ceil((16 * 1024) / acceptedUnit.length))).slice(0, 16 * 1024 - 40);
  const mountedPath = await signer.sign(get(mounted, ''));

  // A rule 1,000 characters long (rules look that far into a path) and a path at the URL limit of empty and dot
  // segments: every "/" a mount rules can see, every mount a whole path handed on for a host drop. Each whole path was
  // once a chain of one string per segment: 2.9 s (three runs before f0c027b), where the short rules above took about 0.1 s.
  const longRule = '/' + 'abcdefghi/'.repeat(100) + '*';
  const longRuleAuth = createAuthenticator(
    loadConfig({
      schemes: { sigv4: { region: REGION, service: SERVICE } },
      limits: WORST_LIMITS,
      routes: [
        { path: longRule, permissions: ['admin'] },
        { path: '*', public: true },
      ],
      keys: [{ id: KEY_ID, secret: SECRET, principal: 'worst', permissions: ['admin'] }],
    }),
    { clock },
  );
  const emptyDots = '//./'.repeat(Math.floor((WORST_LIMITS.maxUrlBytes - 1) / 4));
  const emptyDotsPath = await signer.sign(get(emptyDots, ''));

  // A body at the body limit, its hash signed in the canonical request.
  const body = new Uint8Array(WORST_LIMITS.maxBodyBytes).map((_, i) => (i * 31) & 0xff);
  const bigBody = await signer.sign({ method: 'POST', path: '/upload', query: '', headers: [['Host', HOST]], body });

  // USTUDIO-HMAC-V2 signs its query sorted: distinct keys in descending order at maxUrlBytes are the
  // worst order for a sort that is not n log n; validly signed.
  const ustudioAuth = createAuthenticator(
    loadConfig({
      schemes: { 'ustudio-hmac': {} },
      limits: WORST_LIMITS,
      keys: [{ id: 'worst-ustudio', secret: SECRET, principal: 'worst' }],
    }),
    { clock },
  );
  const descendingKeys: string[] = [];
  for (let i = abc.length ** 3 - 1, used = 1; i >= 0; i--) {
    const key = abc[Math.floor(i / 676)]! + abc[Math.floor(i / 26) % 26]! + abc[i % 26]!;
    if (used + key.length + 1 > WORST_LIMITS.maxUrlBytes - 2) break;
    descendingKeys.push(key);
    used += key.length + 1;
  }
  const ustudioSigner = createUStudioSigner({ keyId: 'worst-ustudio', secret: SECRET, clock });
  const descending = await ustudioSigner.sign(get('/', descendingKeys.join('&')));

  /** A row's expected refusal, when it is one: the route decision's, for a path that costs more than the read budget or needs too many of its readings read again. */
  const OVER_BUDGET = 'request path holds too many escapes, separators and dot segments to be read every way an origin could';
  const table: Array<[string, string, SignedRequest, Authenticator?, string?]> = [
    ['ordinary verify through the authenticator', `the POST of the table above, ${totalBytes(ordinary)} bytes`, ordinary],
    [
      'presigned query at maxUrlBytes of X-Amz-SignedHeaders names, a duplicate at the end',
      `${(signedHeadersQuery(true).length / 1024).toFixed(0)} KiB query, ${signedHeadersQuery(true).split(';').length} names`,
      get('/', signedHeadersQuery(true)),
    ],
    [
      'presigned query at maxUrlBytes of X-Amz-SignedHeaders names, no duplicate',
      `${signedHeadersQuery(false).split(';').length} sorted distinct names, "host" among them`,
      get('/', signedHeadersQuery(false)),
    ],
    ['query at the default 16 KiB URL limit of one-character pairs, signed', `${pairCount(tinyPairsDefault)} pairs`, tinyPairsDefault],
    ['query at maxUrlBytes of one-character pairs, signed', `${pairCount(tinyPairs)} pairs`, tinyPairs],
    ['Authorization header at 4096 characters, Credential of slashes', `${4096 - head.length - tail.length} slashes`, slashy],
    [
      'headers at maxHeaderCount and maxHeaderBytes, all signed, whitespace runs',
      `${manyHeaders.headers.length} headers, ${(headerBytes(manyHeaders) / 1024).toFixed(0)} KiB`,
      manyHeaders,
    ],
    ['path at maxUrlBytes of dot segments and escapes, signed', `${(dotted.length / 1024).toFixed(0)} KiB path`, dotPath],
    [
      'route decision (/admin/*, /public/*, *) and verify: path at the default 16 KiB URL limit read every way it reads (%2F, \\, ;params, double escapes, dots as text, IIS, empty segments, Tomcat), each way again as a URL front passes it on, and as handlers mounted before its "//" and dot segments read them, signed',
      `${(ambiguousDefault.length / 1024).toFixed(0)} KiB path read 58 times over (a decision may read 2 MiB), ${readings.ok ? 'every reading matched against the routes' : 'refused'}`,
      ambiguousDefaultPath,
    ],
    [
      'route decision (/admin/*, /public/*, *): 1 KiB of every spelling at once (".." beside escapes, cuts, double escapes, "\\")',
      'refused once more than 32 of its readings are to be read every way again',
      everySpellingPath,
      auth,
      OVER_BUDGET,
    ],
    [
      'route decision (/admin/*, /public/*, *): every spelling at once at maxUrlBytes',
      `${(ambiguous.length / 1024).toFixed(0)} KiB path, refused (too many readings to read again, or 2 MiB read)`,
      ambiguousPath,
      auth,
      OVER_BUDGET,
    ],
    [
      'route decision (/admin/*, /public/*, *): path at maxUrlBytes of %u escapes, %2F.. and "//" (the slowest refusal known before the read budget, 0.6 s)',
      `${(hostile.length / 1024).toFixed(0)} KiB path, refused once 2 MiB is read`,
      hostilePath,
      auth,
      OVER_BUDGET,
    ],
    [
      'route decision and verify: path at maxUrlBytes of spaces (a REST path, decoded), signed',
      `${(spaces.length / 1024).toFixed(0)} KiB path`,
      spacesPath,
    ],
    [
      'route decision and verify: path at maxUrlBytes of %20 after a double escape (every reading read again), signed',
      `${(escapedSpaces.length / 1024).toFixed(0)} KiB path`,
      escapedSpacesPath,
    ],
    [
      'route decision behind 16 base paths (a Lambda custom domain; the default rule, "*"): path at the default 16 KiB URL limit of "/\\/" under /v1 (the slowest accepted before readings were read again)',
      `${(behind.length / 1024).toFixed(0)} KiB path, refused: the empty segments its readings make are read again until the budget is spent`,
      behindPath,
      basedAuth,
      OVER_BUDGET,
    ],
    [
      'route decision with rules that look 14 characters in: path at the default 16 KiB URL limit of the spellings of the first route row under /api, each "//" near its start read again for a handler mounted before it',
      `${(mounted.length / 1024).toFixed(0)} KiB path`,
      mountedPath,
      mountedAuth,
    ],
    [
      'route decision with a 1,000-character rule: path at maxUrlBytes of empty and dot segments ("//./")',
      `${(emptyDots.length / 1024).toFixed(0)} KiB path, refused once 2 MiB is read (its readings' empty segments read again)`,
      emptyDotsPath,
      longRuleAuth,
      OVER_BUDGET,
    ],
    ['body at maxBodyBytes, body hash signed', `${(body.length / 1024).toFixed(0)} KiB body`, bigBody],
    [
      'USTUDIO-HMAC-V2: query at maxUrlBytes of distinct keys in descending order, signed',
      `${descendingKeys.length} pairs`,
      descending,
      ustudioAuth,
    ],
  ];
  const out: WorstCase[] = [];
  for (const [name, input, req, scheme = auth, refusal] of table) {
    if (urlLength(req) > WORST_LIMITS.maxUrlBytes || headerBytes(req) > WORST_LIMITS.maxHeaderBytes) {
      throw new Error(`${name}: the input is over a limit, so it would not reach the parser`);
    }
    if (req.headers.length > WORST_LIMITS.maxHeaderCount) throw new Error(`${name}: too many headers`);
    // The route-decision case runs what every adapter runs first: the route decision on the raw path.
    const run = name.startsWith('route decision')
      ? () => decideThenAuthenticate(scheme, fresh(req), req === behindPath)
      : () => scheme.authenticate(fresh(req));
    const r = await run();
    if (refusal !== undefined) {
      if (r.ok || r.error.message !== refusal)
        throw new Error(`${name}: should be refused with "${refusal}", got ${r.ok ? 'an allow' : r.error.message}`);
    } else {
      if (!r.ok && /too (long|large|many)/.test(r.error.message)) throw new Error(`${name}: refused by a limit (${r.error.message})`);
      if (req !== slashy && !name.startsWith('presigned') && !r.ok) throw new Error(`${name}: should verify, got ${r.error.code}`);
    }
    out.push({ name, input, fn: run, outcome: r.ok ? 'accepted' : r.error.code, bytes: totalBytes(req) });
  }
  return out;
}
