// edge-auth sign --format curl, piped into the real curl (`curl -K -`), against a server on 127.0.0.1
// that verifies what arrives with the same configuration: the config carries the request exactly as
// signed (dot segments, brackets, quotes and backslashes in the body, a body without a content type),
// and nothing secret stands in curl's argv.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { splitUrl, type SignedRequest } from '../../lib/core/request.ts';
import { runCli } from '../helpers/cli.ts';
import { listenOnLoopback, type LoopbackServer } from '../helpers/net.ts';

const config = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' }, 'ustudio-hmac': {} },
  keys: [
    { id: 'AKIDCURL', secret: 'curl-test-secret-0001', principal: 'curl-user', scheme: 'sigv4' },
    { id: 'curl-ustudio', secret: 'curl-test-secret-0002', principal: 'curl-ustudio', scheme: 'ustudio-hmac' },
  ],
};
const auth = createAuthenticator(loadConfig(config));

let dir: string;
let configPath: string;
let server: LoopbackServer;
/** What the server saw of the last request: its content type and whether it verified. */
let seen: { contentType: string | undefined; body: string } | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-curl-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  server = await listenOnLoopback(
    async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const { path, query } = splitUrl(req.url!);
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const signed: SignedRequest = { method: req.method!, path, query, headers, body: new Uint8Array(body) };
      seen = { contentType: req.headers['content-type'], body: body.toString('utf8') };
      const result = await auth.authenticate(signed);
      res.writeHead(result.ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result.ok ? { ok: true, principal: result.principal.id, path } : { ok: false, code: result.error.code }));
    },
    (res) => {
      res.writeHead(500);
      res.end();
    },
  );
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `edge-auth sign --format curl` of `requestJson` with `key`, run in process (test/cli/cli.test.ts runs the binary). */
const signCurl = (requestJson: object, key: string) =>
  runCli(['sign', '--config', configPath, '--key', key, '--format', 'curl'], { stdin: JSON.stringify(requestJson) });

/** Runs `curl -K -` with the config on stdin; returns its argv too, to show nothing secret is in it. */
function curl(
  configText: string,
): Promise<{ status: number; body: { ok: boolean; principal?: string; path?: string; code?: string }; argv: string[] }> {
  const argv = ['-sS', '-w', '\n%{http_code}', '-K', '-'];
  return new Promise((resolve, reject) => {
    const child = spawn('curl', argv);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}: ${err}`));
      const at = out.lastIndexOf('\n');
      resolve({ status: Number(out.slice(at + 1)), body: JSON.parse(out.slice(0, at)), argv });
    });
    child.stdin.end(configText);
  });
}

describe('edge-auth sign --format curl | curl -K -', () => {
  it.each([
    [
      'a POST with a JSON body holding quotes, backslashes and a newline',
      {
        method: 'POST',
        url: '/items/42?limit=10&sort=asc',
        headers: { 'Content-Type': 'application/json' },
        body: '{"a":"x\\\\y \\"q\\"","b":"line\\nnext"}',
      },
    ],
    ['a GET with dot segments and brackets, kept as signed', { method: 'GET', url: '/a/./b/../c%20d/[x]{y}?q=%5B1%5D' }],
    [
      'a PUT whose body starts with "@" (not a file to curl)',
      { method: 'PUT', url: '/files/1', headers: { 'Content-Type': 'text/plain' }, body: '@/etc/passwd' },
    ],
  ])('%s: verified by the server (200)', async (_name, request) => {
    for (const key of ['AKIDCURL', 'curl-ustudio']) {
      const r = await signCurl({ ...request, url: server.url + request.url }, key);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const answer = await curl(r.stdout);
      expect(answer, key).toMatchObject({ status: 200, body: { ok: true } });
      if ('body' in request) expect(seen?.body).toBe(request.body);
      // The Authorization header stood only in the config on curl's stdin.
      const authorization = r.stdout.split('\n').find((l) => l.startsWith('header = "Authorization: '));
      expect(authorization).toBeDefined();
      expect(answer.argv.join(' ')).not.toContain('Authorization');
    }
  });

  it('sends a body without a content type as it was signed: none (curl would add a form type)', async () => {
    const r = await signCurl({ method: 'POST', url: server.url + '/raw', body: 'a=1&b=2' }, 'AKIDCURL');
    expect(r.stdout).toContain('header = "Content-Type:"');
    expect(await curl(r.stdout)).toMatchObject({ status: 200 });
    expect(seen?.contentType).toBeUndefined();
  });

  it('a tampered config is refused by the server: it is the signature that lets it through', async () => {
    const r = await signCurl({ method: 'GET', url: server.url + '/items/1' }, 'AKIDCURL');
    const tampered = r.stdout.replace('/items/1', '/items/2');
    expect(await curl(tampered)).toMatchObject({ status: 401, body: { ok: false, code: 'ERR_SIGNATURE_INVALID' } });
  });

  it('refuses (exit 2, one JSON line) what a curl config cannot carry: a binary body, a control character', async () => {
    const binary = await signCurl(
      { method: 'POST', url: server.url + '/b', bodyBase64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') },
      'AKIDCURL',
    );
    expect(binary.code).toBe(2);
    expect(JSON.parse(binary.stderr)).toMatchObject({ ok: false, code: 'ERR_REQUEST_JSON', issues: ['body: not UTF-8 text'] });
    const control = await signCurl({ method: 'POST', url: server.url + '/b', body: 'a\u0001b' }, 'AKIDCURL');
    expect(control.code).toBe(2);
    expect(JSON.parse(control.stderr)).toMatchObject({ ok: false, code: 'ERR_REQUEST_JSON', issues: ['body: a control character'] });
    expect(control.stderr).not.toContain('\u0001');
  });
});
