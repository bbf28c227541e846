import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/workerd.ts';

const SECRET = 'cli-test-secret-0001';
const config = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'] } },
  keys: [
    { id: 'AKIDCLI', secret: SECRET, principal: 'cli-user', permissions: ['items:read'] },
    { id: 'remoteci/cli', secret: 'cli-test-secret-0002', principal: 'ci' },
  ],
};
const NOW = 1_790_000_000; // epoch seconds used with --now
// A key with a session token, for explain's redaction (a DCI-style key id, with a slash).
const TOKEN_KEY = 'remoteci/token-key-01';
const TOKEN = 'FwoGZXIvYXdzEBYaDKx/cli+session/token==';
const tokenConfig = {
  ...config,
  keys: [{ id: TOKEN_KEY, secret: 'cli-test-secret-0003', principal: 'with-token', sessionToken: TOKEN }],
};

let dir: string;
let configPath: string;
let tokenConfigPath: string;

function run(args: string[], input = '') {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'edge-auth.js'), ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The error contract: exit 1 or 2 and exactly one line of JSON on stderr, no stack trace. */
function errorOf(r: ReturnType<typeof run>, exit: 1 | 2, code: string) {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.slice(0, -1)).not.toContain('\n');
  expect(r.stderr).not.toMatch(/\bat .*\.(mjs|js|ts):\d+/);
  const error = JSON.parse(r.stderr) as { ok: boolean; code: string; message: string; status?: number; issues?: string[] };
  expect(error).toMatchObject({ ok: false, code });
  return error;
}

const request = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    method: 'POST',
    url: 'https://api.example.com/items/42?limit=10',
    headers: [['Content-Type', 'application/json']],
    body: '{"name":"widget"}',
    ...over,
  });

function sign(input = request(), extra: string[] = []) {
  const r = run(['sign', '--config', configPath, '--key', 'AKIDCLI', '--now', String(NOW), ...extra], input);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { method: string; url: string; headers: Array<[string, string]>; body?: string; bodyBase64?: string };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-cli-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  tokenConfigPath = join(dir, 'token-config.json');
  writeFileSync(tokenConfigPath, JSON.stringify(tokenConfig));
  // Build once up front so the first test does not pay for it.
  run(['--help']);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('edge-auth sign | verify', () => {
  it('round-trips a request with a body (exit 0, the documented JSON)', () => {
    const signed = sign();
    expect(signed.headers.map(([n]) => n)).toEqual(['Host', 'Content-Type', 'X-Amz-Date', 'Authorization']);
    const v = run(['verify', '--config', configPath, '--now', String(NOW)], JSON.stringify(signed));
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({
      ok: true,
      scheme: 'sigv4',
      keyId: 'AKIDCLI',
      principal: { id: 'cli-user', permissions: ['items:read'] },
    });
  });

  it('signs with headers given as an object, and DCI2 with --algorithm', () => {
    const signed = sign(request({ headers: { 'content-type': 'application/json' } }), ['--algorithm', 'DCI2-HMAC-SHA256']);
    expect(signed.headers.find(([n]) => n === 'X-DCI-Date')).toBeDefined();
    expect(run(['verify', '--config', configPath, '--now', String(NOW)], JSON.stringify(signed)).code).toBe(0);
  });

  it('round-trips a binary body given as bodyBase64', () => {
    const signed = sign(request({ body: undefined, bodyBase64: Buffer.from([0, 255, 1, 254]).toString('base64') }));
    expect(signed.bodyBase64).toBe('AP8B/g==');
    expect(run(['verify', '--config', configPath, '--now', String(NOW)], JSON.stringify(signed)).code).toBe(0);
  });

  it('round-trips a presigned URL', () => {
    const signed = sign(request({ method: 'GET', body: undefined }), ['--presign', '--expires', '120']);
    expect(signed.url).toContain('X-Amz-Signature=');
    expect(run(['verify', '--config', configPath, '--now', String(NOW + 60)], JSON.stringify(signed)).code).toBe(0);
    const late = run(['verify', '--config', configPath, '--now', String(NOW + 121)], JSON.stringify(signed));
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toMatchObject({ ok: false, code: 'ERR_REQUEST_EXPIRED' });
  });

  it('rejects a tampered request with exit 1 and the code', () => {
    const signed = sign();
    const v = run(['verify', '--config', configPath, '--now', String(NOW)], JSON.stringify({ ...signed, body: '{"name":"gadget"}' }));
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toEqual({ ok: false, code: 'ERR_SIGNATURE_INVALID', status: 401, message: 'signature does not match' });
  });

  it('rejects outside the skew window (ERR_REQUEST_EXPIRED)', () => {
    const v = run(['verify', '--config', configPath, '--now', String(NOW + 16 * 60)], JSON.stringify(sign()));
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ code: 'ERR_REQUEST_EXPIRED', status: 401 });
  });

  it('rejects an unsigned request (ERR_AUTH_MISSING)', () => {
    const v = run(['verify', '--config', configPath], request());
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ code: 'ERR_AUTH_MISSING' });
  });
});

describe('edge-auth explain', () => {
  it('prints the canonical request and string to sign, never the secret or the signature', () => {
    const signed = sign();
    const signature = /Signature=([0-9a-f]{64})/.exec(signed.headers.at(-1)![1])![1]!;
    const e = run(['explain', '--config', configPath], JSON.stringify(signed));
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('canonical request:');
    expect(e.stdout).toContain('POST\n/items/42\nlimit=10\ncontent-type:application/json\nhost:api.example.com\n');
    expect(e.stdout).toContain('string to sign:');
    expect(e.stdout).not.toContain(signature);
    expect(e.stdout).not.toContain(SECRET);
    const json = JSON.parse(run(['explain', '--config', configPath, '--json'], JSON.stringify(signed)).stdout);
    expect(json).toMatchObject({ algorithm: 'AWS4-HMAC-SHA256', mode: 'header', signedHeaders: ['content-type', 'host', 'x-amz-date'] });
    expect(JSON.stringify(json)).not.toContain(signature);
  });
});

describe('edge-auth explain redacts session tokens and the key id', () => {
  const sha8 = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 8);
  const mark = (v: string) => `<redacted ${v.length} chars sha256:${sha8(v)}>`;
  const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

  function signWithToken(extra: string[]) {
    const r = run(
      ['sign', '--config', tokenConfigPath, '--key', TOKEN_KEY, '--now', String(NOW), ...extra],
      request({ method: 'GET', body: undefined }),
    );
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  }

  function expectNothingSensitive(out: string, signature: string) {
    for (const value of [TOKEN, encodeURIComponent(TOKEN), TOKEN_KEY, encodeURIComponent(TOKEN_KEY), signature, 'cli-test-secret-0003']) {
      expect(out).not.toContain(value);
    }
  }

  it('header mode: the signed x-amz-security-token is shown by length and hash, and the note says so', () => {
    const signed = signWithToken([]);
    const signature = /Signature=([0-9a-f]{64})/.exec(signed)![1]!;
    const text = run(['explain', '--config', tokenConfigPath], signed);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`x-amz-security-token:${mark(TOKEN)}\n`);
    expect(text.stdout).toMatch(/redacted: .*\n.*the x-amz-security-token header/);
    expect(text.stdout).toContain("Your client's canonical request has them in full");
    expectNothingSensitive(text.stdout, signature);

    const json = JSON.parse(run(['explain', '--config', tokenConfigPath, '--json'], signed).stdout) as {
      canonicalRequest: string;
      stringToSign: string;
      redacted: Array<{ where: string; length: number; sha256: string }>;
    };
    expect(json.redacted).toEqual([{ where: 'the x-amz-security-token header', length: TOKEN.length, sha256: sha8(TOKEN) }]);
    expectNothingSensitive(JSON.stringify(json), signature);
    // Still useful: with the value put back, the canonical request is the one the string to sign hashes.
    const full = json.canonicalRequest.replace(mark(TOKEN), TOKEN);
    expect(json.stringToSign.split('\n').at(-1)).toBe(sha256(full));
  });

  it('presigned mode: X-Amz-Security-Token and the key id in X-Amz-Credential are redacted, the scope stays', () => {
    const signed = signWithToken(['--presign']);
    const signature = /X-Amz-Signature=([0-9a-f]{64})/.exec(signed)![1]!;
    const encodedToken = encodeURIComponent(TOKEN);
    const encodedKey = encodeURIComponent(TOKEN_KEY);
    const text = run(['explain', '--config', tokenConfigPath], signed);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`X-Amz-Security-Token=${mark(encodedToken)}`);
    expect(text.stdout).toMatch(
      new RegExp(`X-Amz-Credential=${mark(encodedKey).replace(/[<>]/g, '.')}%2F\\d{8}%2Fus-east-1%2Fexecute-api%2Faws4_request`),
    );
    expect(text.stdout).toContain('the key id in X-Amz-Credential');
    expect(text.stdout).toContain('the X-Amz-Security-Token query parameter');
    expectNothingSensitive(text.stdout, signature);

    const json = JSON.parse(run(['explain', '--config', tokenConfigPath, '--json'], signed).stdout) as {
      canonicalRequest: string;
      stringToSign: string;
      alternatives: Array<{ canonicalRequest: string; stringToSign: string }>;
      redacted: Array<{ where: string; length: number; sha256: string }>;
      note: string;
    };
    expect(json.redacted).toEqual(
      expect.arrayContaining([
        { where: 'the key id in X-Amz-Credential', length: encodedKey.length, sha256: sha8(encodedKey) },
        { where: 'the X-Amz-Security-Token query parameter', length: encodedToken.length, sha256: sha8(encodedToken) },
      ]),
    );
    expect(json.note).toMatch(/redacted/);
    expectNothingSensitive(JSON.stringify(json), signature);
    for (const a of json.alternatives) {
      const full = a.canonicalRequest.replace(mark(encodedKey), encodedKey).replace(mark(encodedToken), encodedToken);
      expect(a.stringToSign.split('\n').at(-1)).toBe(sha256(full));
    }
  });
});

describe('the error contract: one line of JSON on stderr, exit 1 or 2, never a stack trace', () => {
  it('sign with an invalid UTF-8 escape in the URL (%ff) exits 1 with ERR_AUTH_MALFORMED', () => {
    const r = run(['sign', '--config', configPath, '--key', 'AKIDCLI'], JSON.stringify({ method: 'GET', url: 'https://a/a?b=%ff' }));
    expect(errorOf(r, 1, 'ERR_AUTH_MALFORMED')).toMatchObject({ status: 400 });
    expect(r.stdout).toBe('');
  });
  it('verify prints its result on stdout and the same failure on stderr', () => {
    const r = run(['verify', '--config', configPath], request());
    const error = errorOf(r, 1, 'ERR_AUTH_MISSING');
    expect(JSON.parse(r.stdout)).toEqual(error);
  });
  it('explain of an unsigned request exits 1 with ERR_AUTH_MISSING', () => {
    errorOf(run(['explain', '--config', configPath], request()), 1, 'ERR_AUTH_MISSING');
  });
  it('request JSON that is not JSON: a line and a column, not the text', () => {
    const text = '{"method":"GET","url":"/","headers":{"authorization":AWS4-SECRET-TOKEN}}';
    const error = errorOf(run(['verify', '--config', configPath], text), 2, 'ERR_REQUEST_JSON');
    expect(error.message).toContain(`line 1, column ${text.indexOf('AWS4') + 1}`);
    expect(error.message).not.toContain('SECRET');
  });
  it('a bad configuration names the field and never the value', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ...config,
        keys: [
          { id: 'A', secret: 'short', principal: 'p' },
          { id: 'B', secret: 12345678901234568, principal: 'p' },
        ],
      }),
    );
    const error = errorOf(run(['verify', '--config', bad], request()), 2, 'ERR_CONFIG');
    expect(error.issues).toEqual(['keys[0].secret: must be at least 8 characters', 'keys[1].secret: expected a string, got a number']);
    expect(JSON.stringify(error)).not.toMatch(/short|12345678901234568/);
  });
  it('no command: ERR_USAGE, exit 2', () => {
    errorOf(run([]), 2, 'ERR_USAGE');
  });
  it('a stray positional argument (perhaps a pasted secret) is refused without being echoed', () => {
    const r = run(['verify', '--config', configPath, 'cli-pasted-secret-000001'], request());
    errorOf(r, 2, 'ERR_USAGE');
    expect(r.stderr + r.stdout).not.toContain('cli-pasted-secret-000001');
  });
  it('--now past the last instant an X-Amz-Date can name is a usage error, not an internal one', () => {
    errorOf(run(['sign', '--config', configPath, '--key', 'AKIDCLI', '--now', '999999999999'], request()), 2, 'ERR_USAGE');
  });
});

describe('edge-auth check-config', () => {
  it('prints counts, never values, and exits 0 for a valid configuration', () => {
    const r = run(['check-config', '--config', configPath]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, schemes: ['sigv4'], keys: config.keys.length, routes: 1, publicRoutes: 0 });
    expect(r.stdout).not.toMatch(/AKIDCLI|cli-test-secret|cli-user/);
  });
  it('exits 2 with the field issues for an invalid one (here: two keys sharing a secret)', () => {
    const bad = join(dir, 'shared.json');
    writeFileSync(bad, JSON.stringify({ ...config, keys: [config.keys[0], { ...config.keys[1], secret: SECRET }] }));
    const r = run(['check-config', '--config', bad]);
    const error = errorOf(r, 2, 'ERR_CONFIG');
    expect(error.issues).toEqual([expect.stringMatching(/^keys\[1\]\.secret: the same secret as keys\[0\]\.secret/)]);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });
  it('exits 2 with ERR_CONFIG for a file it cannot read', () => {
    errorOf(run(['check-config', '--config', join(dir, 'missing.json')]), 2, 'ERR_CONFIG');
  });
  it.each([
    ['workers-kv', { binding: 'AUTH_KEYS', prefix: 'sigv4/', cache: { ttlSeconds: 60 } }],
    ['secrets-manager', { prefix: 'edge-auth/keys/', cache: { ttlSeconds: 300 } }],
  ] as const)('checks a configuration whose keys live in a %s store without opening it (it opens where it is deployed)', (type, spec) => {
    const stored = join(dir, `stored-${type}.json`);
    writeFileSync(stored, JSON.stringify({ schemes: config.schemes, keyStores: [{ type, schemes: ['sigv4'], ...spec }] }));
    const r = run(['check-config', '--config', stored]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, schemes: ['sigv4'], keys: 0, routes: 1, publicRoutes: 0, keyStores: [type] });
    // verify cannot reach the store: it says so, as a configuration matter, rather than answer for the key.
    const error = errorOf(run(['verify', '--config', stored, '--now', String(NOW)], JSON.stringify(sign())), 2, 'ERR_CONFIG');
    expect(error.message).toMatch(/^keyStores\[0\] holds the keys of the scheme this request speaks, and the CLI opens no key store/);
    // explain needs no key.
    const explained = run(['explain', '--config', stored], JSON.stringify(sign()));
    expect(explained.code, explained.stderr).toBe(0);
  });
});

describe('usage and configuration errors exit 2', () => {
  it('names the bad configuration field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config, keys: [{ id: 'A', secret: 'short', principal: 'p' }] }));
    const r = run(['verify', '--config', bad], request());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('keys[0].secret');
  });
  it.each([
    [['frobnicate'], 'ERR_USAGE'],
    [['verify'], 'ERR_USAGE'],
    [['sign', '--config', 'CONFIG'], 'ERR_USAGE'],
    [['sign', '--config', 'CONFIG', '--key', 'NOPE'], 'ERR_USAGE'],
    [['verify', '--config', 'CONFIG', '--bogus'], 'ERR_USAGE'],
    [['verify', '--config', 'CONFIG', '--now', 'yesterday'], 'ERR_USAGE'],
    [['verify', '--config', '/does/not/exist'], 'ERR_CONFIG'],
  ])('%j: %s', (args, code) => {
    const r = run(
      args.map((a) => (a === 'CONFIG' ? configPath : a)),
      request(),
    );
    errorOf(r, 2, code);
  });
  it('reports a bad request.json field', () => {
    const r = run(['verify', '--config', configPath], JSON.stringify({ method: 'GET', url: 'nope' }));
    const error = errorOf(r, 2, 'ERR_REQUEST_JSON');
    expect(error.issues).toEqual([expect.stringMatching(/^url: /)]);
  });
  it("prints the whole usage for --help, and one command's for `<command> --help` or `help <command>`", () => {
    const all = run(['--help']);
    expect(all.code).toBe(0);
    for (const command of ['sign', 'verify', 'explain', 'check-config', 'keys new', 'token-keys rotate'])
      expect(all.stdout).toContain(`edge-auth ${command}`);
    for (const argv of [
      ['sign', '--help'],
      ['help', 'sign'],
    ]) {
      const one = run(argv);
      expect(one.code).toBe(0);
      expect(one.stdout).toContain('edge-auth sign');
      expect(one.stdout).toContain('sign --secret-env NAME');
      expect(one.stdout).not.toContain('edge-auth check-config');
      expect(one.stdout).not.toContain('edge-auth keys');
    }
    const check = run(['check-config', '-h']).stdout;
    expect(check).toContain('edge-auth check-config --config FILE');
    expect(check).not.toContain('request.json: {');
    // An unknown word after help: the whole usage (it is not quoted back).
    expect(run(['help', 'nonsense']).stdout).toBe(all.stdout);
  });
});
