import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/index.ts';
import { sendRaw } from '../helpers/workerd.ts';
import { startOfflineOnFreePorts, type RunningOffline } from '../helpers/offline.ts';

// serverless-offline (Serverless Framework 3) emulating API Gateway on loopback, with the bundled
// authorizer and integrations from dist/lambda. Where offline differs from API Gateway: it answers
// 401 for an authorizer that throws (API Gateway: 500), puts the route template in REST methodArns,
// and leaves the stage out of REST requestContext.path; unit tests cover our side of those contracts.

const demoUser = createSigV4Signer({
  keyId: 'AKIDEMO00000000000001',
  secret: 'demo-only-secret-do-not-use-in-production-1',
  region: 'us-east-1',
  service: 'execute-api',
});
const demoAdmin = createSigV4Signer({
  keyId: 'AKIDEMOADMIN000000001',
  secret: 'demo-only-secret-do-not-use-in-production-3',
  region: 'us-east-1',
  service: 'execute-api',
});

describe('serverless.yml', () => {
  const yml = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
  it('never caches a signature answer (TTL 0 on every authorizer) and sets no identity source, so presigned URLs reach the authorizer', () => {
    const ttls = [...yml.matchAll(/^\s*resultTtlInSeconds:\s*(\S+)/gm)].map((m) => m[1]);
    expect(ttls.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ttls)).toEqual(new Set(['0']));
    expect(yml).not.toMatch(/^\s*identitySource:/m);
  });
});

describe('API Gateway under serverless-offline', () => {
  let offline: RunningOffline;
  let base: URL;

  beforeAll(async () => {
    const { build } = await import('../../infra/build.mjs');
    await build(['authorizer', 'api']);
    offline = await startOfflineOnFreePorts();
    base = offline.base;
  }, 200_000);

  afterAll(async () => {
    await offline?.stop();
  });

  const draft = (method: string, pathAndQuery: string, body = '', headers: Array<[string, string]> = []): SignedRequest => ({
    method,
    path: pathAndQuery.split('?')[0]!,
    query: pathAndQuery.includes('?') ? pathAndQuery.slice(pathAndQuery.indexOf('?') + 1) : '',
    headers: [['host', base.host], ...headers],
    body: new TextEncoder().encode(body),
  });
  const send = (r: SignedRequest) => sendRaw(base, r);

  describe.each([
    ['REST API', '/dev/rest'],
    ['HTTP API', '/http'],
  ])('%s', (_label, prefix) => {
    it('allows a signed request: 200, with the principal in requestContext.authorizer', async () => {
      const res = await send(await demoUser.sign(draft('GET', `${prefix}/items/42?limit=10&sort=asc`)));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).authorizer).toMatchObject({
        principal: 'demo-user',
        scheme: 'sigv4',
        permissions: 'items:read,items:write',
        verification: 'body-hash',
        bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      });
      expect(res.body).not.toContain('AKIDEMO');
    });
    it('passes a presigned URL (no Authorization header) to the authorizer and allows it: 200', async () => {
      const res = await send(await demoUser.presign(draft('GET', `${prefix}/items/42?limit=10`), { expiresIn: 300 }));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).authorizer).toMatchObject({ principal: 'demo-user', scheme: 'sigv4' });
    });
    it('refuses a tampered presigned URL: 401', async () => {
      const presigned = await demoUser.presign(draft('GET', `${prefix}/items/42?limit=10`), { expiresIn: 300 });
      expect((await send({ ...presigned, query: presigned.query.replace('limit=10', 'limit=11') })).status).toBe(401);
    });
    it('refuses an unsigned request: 401', async () => {
      expect((await send(draft('GET', `${prefix}/items`))).status).toBe(401);
      expect((await send(draft('GET', `${prefix}/items`, '', [['Authorization', 'AWS4-HMAC-SHA256 Credential=x']]))).status).toBe(401);
    });
    it('refuses a tampered request: 401', async () => {
      const signed = await demoUser.sign(draft('GET', `${prefix}/items/42?limit=10`));
      expect((await send({ ...signed, path: `${prefix}/items/43` })).status).toBe(401);
      expect((await send({ ...signed, query: 'limit=11' })).status).toBe(401);
    });
    it.each(['/admin;x/users', '/%61dmin/users', '/admin%2Fusers', '/admin//users'])(
      'never allows another spelling of the admin route to a key without admin: %s',
      async (spelling) => {
        const res = await send(await demoUser.sign(draft('GET', `${prefix}${spelling}`)));
        expect([401, 403, 404]).toContain(res.status);
      },
    );
    it('forbids a route the principal lacks the permission for: 403, and allows it to one that has it', async () => {
      expect((await send(await demoUser.sign(draft('GET', `${prefix}/admin/users`)))).status).toBe(403);
      expect((await send(await demoAdmin.sign(draft('GET', `${prefix}/admin/users`)))).status).toBe(200);
    });
  });

  it('verifies an in-function route inside the integration, body included', async () => {
    const signed = await demoUser.sign(draft('POST', '/dev/rest/upload', '{"file":"a.txt"}', [['content-type', 'application/json']]));
    const ok = await send(signed);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({
      ok: true,
      principal: 'demo-user',
      verifiedInFunction: true,
      authorizer: { verification: 'in-function' },
    });
    const tampered = await send({ ...signed, body: new TextEncoder().encode('{"file":"b.txt"}') });
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.body)).toMatchObject({ error: 'ERR_SIGNATURE_INVALID' });
  });
});
