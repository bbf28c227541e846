// The deployed Lambda authorizer (configuration validated by the build) with a JWT issuer whose keys
// are a JWKS on 127.0.0.1: the set is loaded in the init phase, so the first call makes no fetch.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../deploy/artifacts.ts';
import { restAuthorizerEvent } from '../fixtures/apigw.ts';
import { bearerRequest, keyPair, mint } from '../fixtures/jwt-keys.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';

const run = promisify(execFile);
const ISS = 'https://issuer.example';

describe('the deployed authorizer with a JWKS issuer', () => {
  const dir = join(ROOT, 'build', `test-jwt-jwks-${process.pid}`);
  let server: JwksServer;
  let bundle: string;

  beforeAll(async () => {
    const pair = await keyPair('ES256', 'lambda-jwks');
    server = await startJwksServer([{ ...pair.publicJwk, kid: 'lambda-kid', use: 'sig', alg: 'ES256' }]);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        schemes: { jwt: { issuers: [{ issuer: ISS, audience: 'orders', algorithms: ['ES256'], jwksUrl: server.url }] } },
        routes: [{ path: '*' }],
      }),
    );
    const { build } = await import('../../infra/build.mjs');
    await build(['authorizer'], { outDir: dir, authConfigFile: file });
    bundle = join(dir, 'lambda', 'authorizer', 'index.mjs');
  }, 120_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  it('loads the JWKS while the module loads (before any call), and the first call needs no fetch', async () => {
    const pair = await keyPair('ES256', 'lambda-jwks');
    const now = Math.floor(Date.now() / 1000);
    const token = await mint(pair, { iss: ISS, aud: 'orders', sub: 'lambda-user', iat: now, exp: now + 300 }, { kid: 'lambda-kid' });
    const req = bearerRequest(token);
    const event = restAuthorizerEvent({ ...req, path: '/prod/items', headers: [...req.headers, ['Host', 'api.example.com']] });
    const before = server.hits;
    const script = `
      const [file, event, url] = process.argv.slice(1);
      const hits = async () => (await (await fetch(url + '/__hits')).json()).hits;
      const m = await import(file);
      const afterImport = await hits();
      const result = await m.handler(JSON.parse(event));
      process.stdout.write('\\n' + JSON.stringify({ afterImport, afterCall: await hits(), principal: result.principalId, effect: result.policyDocument.Statement[0].Effect }) + '\\n');`;
    const { AUTH_CONFIG: _a, AUTH_CONFIG_FILE: _b, ...inherited } = process.env;
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, 'file://' + bundle, JSON.stringify(event), server.base],
      {
        env: inherited,
        timeout: 20_000,
      },
    );
    const out = JSON.parse(stdout.trimEnd().split('\n').pop()!) as {
      afterImport: number;
      afterCall: number;
      principal: string;
      effect: string;
    };
    expect(out).toEqual({ afterImport: before + 1, afterCall: before + 1, principal: 'lambda-user', effect: 'Allow' });
  });
});
