// The token service's keys and tokens under workerd (Miniflare), against the same code on Node.
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerRequest } from '../../test/fixtures/jwt-keys.ts';
import { bundleWorker, startWorker } from '../../test/helpers/workerd.ts';
import { createJwtVerifier } from '../schemes/jwt/verifier.ts';
import { parseSigningKeySet, type SigningKeyEntry } from './signing-keys.ts';
import { createTokenIssuer, maxTokenLifetimeSeconds } from './tokens.ts';

const ISS = 'https://auth.example.org';

describe('token service parts under workerd', () => {
  let mf: Miniflare;
  let previous: string | undefined;
  beforeAll(async () => {
    previous = process.env.WRANGLER_SEND_METRICS;
    process.env.WRANGLER_SEND_METRICS = 'false';
    mf = await startWorker(await bundleWorker('test/fixtures/token-service-worker.ts'));
  }, 120_000);
  afterAll(async () => {
    await mf?.dispose();
    if (previous === undefined) delete process.env.WRANGLER_SEND_METRICS;
    else process.env.WRANGLER_SEND_METRICS = previous;
  });

  const post = async (path: string, body: string) => (await mf.dispatchFetch(`http://localhost${path}`, { method: 'POST', body })).json();

  it.each([['RS256'], ['EdDSA'], ['ES256']])(
    '%s: a key generated in workerd mints there; Node and the edge verify, and back',
    async (alg) => {
      const entry = (await (await mf.dispatchFetch(`http://localhost/generate?alg=${alg}`)).json()) as SigningKeyEntry;
      expect(entry.alg).toBe(alg);
      const doc = JSON.stringify({ keys: [entry] });
      const minted = (await post('/mint', doc)) as {
        user: string;
        service: string;
        pem: string;
        jwks: { keys: Record<string, unknown>[] };
      };

      const node = createTokenIssuer({ keys: await parseSigningKeySet(doc, new Date(), maxTokenLifetimeSeconds()), issuer: ISS });
      expect(await node.verifyUserToken(minted.user)).toMatchObject({ userid: 'u1' });
      expect(minted.pem).toBe(await node.publicKeyPem());
      expect(minted.jwks).toEqual(await node.jwks());
      const edge = createJwtVerifier({
        issuers: [
          {
            issuer: ISS,
            audience: 'datapackage-upload',
            algorithms: ['RS256', 'EdDSA', 'ES256'],
            publicKeys: minted.jwks.keys,
            principalClaim: 'userid',
            permissionClaims: ['permissions'],
            service: 'datapackage-upload',
          },
        ],
      });
      expect(await edge.verify(bearerRequest(minted.service))).toMatchObject({
        ok: true,
        principal: { id: 'u1', permissions: ['datapackage-upload'] },
      });

      // A token minted on Node verifies in workerd; a tampered one does not.
      const fromNode = await node.issueUserToken('u2');
      expect(await post(`/verify?t=${fromNode}`, doc)).toMatchObject({ userid: 'u2' });
      expect(await post(`/verify?t=${fromNode.slice(0, -4)}AAAA`, doc)).toBeNull();
    },
  );

  it('a bad key set is refused in workerd with paths, not values', async () => {
    const r = (await post('/mint', JSON.stringify({ keys: [{ kid: 'k', alg: 'RS256', privateKey: 'secret-value' }] }))) as {
      error: string;
    };
    expect(r.error).toContain('keys[0].privateKey');
    expect(r.error).not.toContain('secret-value');
  });
});
