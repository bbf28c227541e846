// The authorizer with its keys in Secrets Manager under serverless-offline (API Gateway emulated
// on loopback): bundles built with a configuration whose store endpoint is the local Secrets
// Manager (test/helpers/secrets-manager-endpoint.ts), in a build folder of this test's own
// (OFFLINE_LOCATION), so that it never races test/lambda/offline.test.ts over build/.
// serverless-offline answers 401 where API Gateway answers 500 for an authorizer that throws
// (see offline.test.ts), so a store fault is told apart by the authorizer's log line.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/index.ts';
import { ROOT } from '../deploy/artifacts.ts';
import { waitForOutput } from '../helpers/net.ts';
import { startOfflineOnFreePorts, type RunningOffline } from '../helpers/offline.ts';
import { startSecretsManagerEndpoint, TEST_CREDENTIALS, type SecretsManagerEndpoint } from '../helpers/secrets-manager-endpoint.ts';
import { sendRaw } from '../helpers/workerd.ts';

const PREFIX = 'edge-authorizer/keys/';
const KEY = { id: 'AKIDSMOFFLINE0000001', secret: 'sm-offline-secret-0123456789abcdef', principal: 'sm-offline-user' };

describe('API Gateway under serverless-offline with a Secrets Manager key store', () => {
  let ep: SecretsManagerEndpoint;
  let offline: RunningOffline;
  let base: URL;
  const dir = join(ROOT, 'build', `test-sm-offline-${process.pid}`);

  beforeAll(async () => {
    ep = await startSecretsManagerEndpoint();
    ep.put(PREFIX + KEY.id, [
      {
        versionId: 'v1',
        stages: ['AWSCURRENT'],
        string: JSON.stringify({ id: KEY.id, secret: KEY.secret, principal: KEY.principal, permissions: ['items:read'] }),
      },
    ]);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
        routes: [{ path: '*' }],
        keyStores: [{ type: 'secrets-manager', schemes: ['sigv4'], prefix: PREFIX, endpoint: ep.url, timeoutMs: 1000, maxAttempts: 1 }],
      }),
    );
    const { build } = await import('../../infra/build.mjs');
    await build(['authorizer', 'api'], { outDir: join(dir, 'build'), authConfigFile: config });
    offline = await startOfflineOnFreePorts({
      OFFLINE_LOCATION: relative(ROOT, dir),
      AUTH_CONFIG_FILE: config,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
    base = offline.base;
  }, 200_000);

  afterAll(async () => {
    await offline?.stop();
    await ep?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signed = (keyId: string, path: string) =>
    createSigV4Signer({ keyId, secret: KEY.secret, region: 'us-east-1', service: 'execute-api' }).sign({
      method: 'GET',
      path,
      query: '',
      headers: [['host', base.host]],
      body: new Uint8Array(),
    } satisfies SignedRequest);

  it.each([
    ['REST API', '/dev/rest/items/1'],
    ['HTTP API', '/http/items/1'],
  ])('%s: allows a request signed with a key held in Secrets Manager (200, principal passed on)', async (_label, path) => {
    const res = await sendRaw(base, await signed(KEY.id, path));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).authorizer).toMatchObject({ principal: KEY.principal, scheme: 'sigv4' });
    expect(ep.calls.length).toBeGreaterThan(0);
    expect(ep.calls.every((c) => c.signatureOk)).toBe(true);
  });

  it('refuses an unknown key: 401', async () => {
    expect((await sendRaw(base, await signed('AKIDSMOFFLINEUNKNOWN', '/dev/rest/items/1'))).status).toBe(401);
  });

  it('never allows when Secrets Manager fails: the authorizer throws (logged as a store fault, no key id or secret name)', async () => {
    ep.fault = { kind: 'status-500' };
    try {
      const before = offline.output().length;
      const res = await sendRaw(base, await signed('AKIDSMOFFLINEFAILS01', '/dev/rest/items/1'));
      expect(res.status).not.toBe(200);
      await waitForOutput(
        () => offline.output().slice(before),
        '"code":"ERR_KEYSTORE_UNAVAILABLE"',
        10_000,
        () => false,
      );
      const logged = offline.output().slice(before);
      expect(logged).toContain('{"event":"keystore.fault","fault":"server-error","store":0}');
      for (const v of ['AKIDSMOFFLINEFAILS01', PREFIX, KEY.secret]) expect(logged).not.toContain(v);
    } finally {
      ep.fault = { kind: 'none' };
    }
  });
});
