import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../lib/cli/main.ts';

// main() in-process with a fake CliIo, over arbitrary argv and stdin: it never throws, exits 0, 1 or
// 2, and on 1 and 2 stderr is exactly one line of JSON with ok:false and a code.

const SECRET_1 = 'fuzz-secret-7Qm2vL9xK4';
const SECRET_2 = 'fuzz-secret-Z8pW3nR6tB';
const TOKEN = 'FwoGZXIvYXdzEfuzzSessionToken/+=Q1w2e3r4';
const NOW = 1_790_000_000;

const goodConfig = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'] } },
  routes: [{ path: '/public/*', public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
  keys: [
    { id: 'AKIDFUZZ', secret: SECRET_1, principal: 'fuzzer', permissions: ['read'] },
    { id: 'remoteci/fuzz', secrets: [SECRET_2], principal: 'ci', sessionToken: TOKEN },
  ],
};

const FILES: Record<string, string> = {
  'good.json': JSON.stringify(goodConfig),
  'dciauth.json': JSON.stringify({
    ...goodConfig,
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', profile: 'dciauth' } },
  }),
  's3.json': JSON.stringify({ ...goodConfig, schemes: { sigv4: { region: 'us-east-1', service: 's3', allowPresigned: false } } }),
  'broken.json': `{"keys":[{"id":"A","secret":${SECRET_1}}]}`,
  'invalid.json': JSON.stringify({
    schemes: { sigv4: { region: 'r', service: 's' } },
    keys: [{ id: 'A', secret: 12345, principal: SECRET_1 }],
  }),
  'shared.json': JSON.stringify({ ...goodConfig, keys: [goodConfig.keys[0], { ...goodConfig.keys[0], id: 'AKIDOTHER' }] }),
  'noscheme.json': JSON.stringify({ schemes: {} }),
  'empty.json': '',
};
const FILE_NAMES = [...Object.keys(FILES), 'missing.json', ''];

function fakeIo(stdin: Uint8Array) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdin: async () => stdin,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readFile: (p) => {
      if (Object.hasOwn(FILES, p)) return FILES[p]!;
      throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
    },
    now: () => NOW * 1000,
  };
  return { io, out, err };
}

async function run(argv: readonly string[], stdin: string | Uint8Array) {
  const { io, out, err } = fakeIo(typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin);
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

// Valid signed requests, made once, to mutate: the deep paths of verify and explain.
const signedDocs: string[] = [];

const AUTH_CODES =
  /^ERR_(AUTH_MISSING|AUTH_MALFORMED|AUTH_UNSUPPORTED|SIGNATURE_INVALID|REQUEST_EXPIRED|REQUEST_NOT_YET_VALID|SCOPE_MISMATCH|PAYLOAD_HASH_MISMATCH|PAYLOAD_HASH_REQUIRED|PATH_REJECTED|KEY_NOT_FOUND|FORBIDDEN|BODY_TOO_LARGE|KEYSTORE_UNAVAILABLE)$/;

beforeAll(async () => {
  const requests = [
    { method: 'GET', url: 'https://api.example.com/items?limit=10&x=a%20b' },
    { method: 'POST', url: 'https://api.example.com/admin/x', headers: [['Content-Type', 'application/json']], body: '{"a":1}' },
    { method: 'PUT', url: 'http://h:8080/bin', bodyBase64: 'AAH//g==' },
  ];
  for (const r of requests) {
    for (const extra of [[], ['--presign'], ['--algorithm', 'DCI2-HMAC-SHA256']]) {
      for (const key of ['AKIDFUZZ', 'remoteci/fuzz']) {
        const res = await run(['sign', '--config', 'good.json', '--key', key, '--now', String(NOW), ...extra], JSON.stringify(r));
        expect(res.code, res.stderr).toBe(0);
        signedDocs.push(res.stdout);
      }
    }
  }
});

const odd = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
  fc.constantFrom('%ff', '%', '%zz', '%E2%82', '%C0%AF', '%00', '\u0000', '\r\n', ' ', '..', '//', '+', 'a'.repeat(20_000)),
);

const configFile = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('good.json', 'good.json', 'dciauth.json', 's3.json') },
  { weight: 3, arbitrary: fc.constantFrom(...FILE_NAMES) },
  odd,
);
const keyId = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('AKIDFUZZ', 'remoteci/fuzz') }, fc.constantFrom('AKIDNOPE', ''), odd);
const goodNow = fc.integer({ min: NOW - 1000, max: NOW + 1000 }).map(String);
const numberish = fc.oneof(
  fc.constantFrom('0', '1', '120', '604800', '604801', '-1', '999999999999', '1e3', 'NaN', '0x10', ' 5', '1.5'),
  fc.nat().map(String),
  odd,
);
/** Mostly `value`, sometimes left out, sometimes anything. */
const mostly = (value: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 8, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: numberish });

// Mostly well-formed invocations (so verify and explain run on the request), with some noise.
const structuredArgv = fc
  .record({
    command: fc.constantFrom('sign', 'sign', 'verify', 'verify', 'explain', 'explain', 'check-config'),
    config: mostly(configFile),
    key: mostly(keyId),
    algorithm: fc.option(fc.constantFrom('AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256', 'HMAC-MD5'), { freq: 3, nil: undefined }),
    presign: fc.boolean(),
    expires: fc.option(fc.oneof(fc.integer({ min: 1, max: 3600 }).map(String), numberish), { freq: 2, nil: undefined }),
    now: mostly(goodNow),
    json: fc.boolean(),
    noise: fc.oneof(
      { weight: 6, arbitrary: fc.constant([]) },
      fc.array(fc.oneof(odd, fc.constantFrom('--scheme', 'sigv4', '--bogus')), { maxLength: 2 }),
    ),
  })
  .map((a) => {
    const argv: string[] = [a.command];
    const opt = (name: string, v: string | undefined) => void (v !== undefined && argv.push(`--${name}`, v));
    opt('config', a.config);
    if (a.command === 'sign') {
      opt('key', a.key);
      opt('algorithm', a.algorithm);
      if (a.presign) argv.push('--presign');
      if (a.presign || a.expires?.startsWith('1')) opt('expires', a.expires);
    }
    if (a.command === 'sign' || a.command === 'verify') opt('now', a.now);
    if (a.command === 'explain' && a.json) argv.push('--json');
    argv.push(...a.noise);
    return argv;
  });

const token = fc.oneof(
  fc.constantFrom(
    'sign',
    'verify',
    'explain',
    'check-config',
    'help',
    '--help',
    '-h',
    '--config',
    '--config=good.json',
    '--key',
    '--presign',
    '--presign=true',
    '--expires',
    '--now',
    '--json',
    '--',
    '-x',
    '--bogus',
    'good.json',
    'AKIDFUZZ',
  ),
  odd,
);
const argv = fc.oneof({ weight: 3, arbitrary: structuredArgv }, fc.array(token, { maxLength: 8 }));

const authorizationish = fc
  .record({
    alg: fc.constantFrom('AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256', 'DCI-HMAC-SHA256', 'AWS4-HMAC-SHA512', ''),
    key: keyId,
    date: fc.constantFrom('20260921', '20261301', 'x', ''),
    region: fc.constantFrom('us-east-1', 'eu-west-1', '', 'us east'),
    headers: fc.constantFrom('host;x-amz-date', 'x-amz-date;host', 'host', '', 'Host;X-Amz-Date', 'host;host'),
    sig: fc.oneof(fc.constant('0'.repeat(64)), fc.string({ unit: fc.constantFrom(...'0123456789abcdefA'), maxLength: 70 }), odd),
    sep: fc.constantFrom(', ', ',', ' ', ',,'),
  })
  .map(
    (a) =>
      `${a.alg} Credential=${a.key}/${a.date}/${a.region}/execute-api/aws4_request${a.sep}SignedHeaders=${a.headers}${a.sep}Signature=${a.sig}`,
  );

const headerName = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('Host', 'Authorization', 'X-Amz-Date', 'X-DCI-Date', 'x-amz-security-token', 'X-Amz-Content-Sha256'),
  },
  fc.constantFrom('Content-Type', 'bad name', '', 'ü'),
  odd,
);
const headerValue = fc.oneof(
  authorizationish,
  fc.constantFrom(
    '20260921T000000Z',
    '20260231T000000Z',
    'UNSIGNED-PAYLOAD',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'api.example.com',
    TOKEN,
  ),
  odd,
);
const headers = fc.oneof(
  fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
  fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
  fc.array(fc.array(fc.oneof(headerName, fc.anything()), { maxLength: 3 }), { maxLength: 3 }),
  fc.anything(),
);
const queryPart = fc.oneof(
  fc.constantFrom(
    'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    'X-Amz-Credential=AKIDFUZZ%2F20260921%2Fus-east-1%2Fexecute-api%2Faws4_request',
    'X-Amz-Credential=%ff',
    'X-Amz-Date=20260921T000000Z',
    'X-Amz-Expires=900',
    'X-Amz-Expires=-1',
    'X-Amz-SignedHeaders=host',
    `X-Amz-Signature=${'0'.repeat(64)}`,
    'X-Amz-Security-Token=abc',
    'x=1',
    'x',
    '=',
    '&',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => encodeURIComponent(s)),
  odd,
);
const url = fc.oneof(
  fc.constantFrom(
    'https://a/a?b=%ff',
    'http://h/%',
    '/p?%zz',
    'https://h/%E2%82',
    'http://h',
    'ftp://x/',
    '',
    '/',
    'https://h/../a/./b',
    'h/x',
  ),
  fc
    .tuple(
      fc.constantFrom('https://api.example.com', 'http://h:1', ''),
      fc.array(odd, { maxLength: 3 }),
      fc.array(queryPart, { maxLength: 6 }),
    )
    .map(([origin, segs, query]) => `${origin}/${segs.join('/')}${query.length ? '?' + query.join('&') : ''}`),
  odd,
);
const requestDoc = fc.record(
  {
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'get', 'PATCH', 'G E T', ''), odd),
    url,
    headers,
    body: fc.oneof(odd, fc.anything()),
    bodyBase64: fc.oneof(fc.base64String({ maxLength: 40 }), odd),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

// A signed request with one part replaced: the verifier's and explain's negative paths.
const mutatedSigned = fc
  .tuple(
    fc.nat(),
    fc.constantFrom('method', 'url', 'headers', 'body', 'header', 'query', 'none'),
    fc.oneof(odd, headerValue, fc.anything()),
  )
  .map(([i, part, value]) => {
    // fc.anything() makes objects without a prototype, which String() cannot convert.
    const text = (v: unknown): string => {
      try {
        return String(v);
      } catch {
        return JSON.stringify(v) ?? 'x';
      }
    };
    const doc = JSON.parse(signedDocs[i % signedDocs.length]!) as Record<string, unknown>;
    const hs = doc['headers'] as Array<[string, string]>;
    if (part === 'header' && hs.length > 0) hs[i % hs.length] = [hs[i % hs.length]![0], text(value)];
    else if (part === 'query') doc['url'] = `${String(doc['url'])}&${text(value)}`;
    else if (part !== 'none') doc[part] = value;
    return JSON.stringify(doc);
  });

const HUGE = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x20);
const stdin = fc.oneof(
  { weight: 4, arbitrary: requestDoc.map((d) => JSON.stringify(d) ?? '') },
  { weight: 4, arbitrary: mutatedSigned },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: odd },
  { weight: 1, arbitrary: requestDoc.map((d) => (JSON.stringify(d) ?? '').slice(0, -3)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[[[[', '{"__proto__":{}}', 'null', '"x"', '[]', HUGE) },
);

describe('main() over arbitrary argv and stdin (property)', () => {
  it('never throws, exits 0, 1 or 2, and on 1 and 2 writes exactly one line of JSON to stderr', async () => {
    const seen = { 0: 0, 1: 0, 2: 0 } as Record<number, number>;
    await fc.assert(
      fc.asyncProperty(argv, stdin, async (args, input) => {
        const { code, stdout, stderr } = await run(args, input);
        expect([0, 1, 2]).toContain(code);
        seen[code]!++;
        for (const secret of [SECRET_1, SECRET_2]) expect(stdout + stderr).not.toContain(secret);
        expect(stderr).not.toContain(TOKEN);
        if (args[0] === 'explain') expect(stdout).not.toContain(TOKEN);
        if (code === 0) {
          expect(stderr).toBe('');
          return;
        }
        expect(stderr.endsWith('\n')).toBe(true);
        expect(stderr.slice(0, -1)).not.toContain('\n');
        const error = JSON.parse(stderr) as { ok: unknown; code: unknown; message: unknown };
        expect(error.ok).toBe(false);
        expect(typeof error.message).toBe('string');
        expect(error.code).toMatch(code === 1 ? AUTH_CODES : /^ERR_(USAGE|CONFIG|REQUEST_JSON)$/);
      }),
      { numRuns: 10_000 },
    );
    // The generators reach every outcome, not only the early usage errors.
    expect(seen[0]).toBeGreaterThan(100);
    expect(seen[1]).toBeGreaterThan(100);
    expect(seen[2]).toBeGreaterThan(100);
  }, 120_000);
});
