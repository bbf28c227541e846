import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import {
  createAuthorizerHandler,
  type RestAuthorizerResult,
  type SimpleAuthorizerResult,
} from '../../lib/adapters/aws-lambda/authorizer.ts';
import type { HttpApiAuthorizerEvent, RestAuthorizerEvent } from '../../lib/adapters/aws-lambda/events.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/index.ts';
import { ACCOUNT, API_ID, REGION } from '../fixtures/apigw.ts';
import { bundleWorker, sendRaw, startWorker } from '../helpers/workerd.ts';
import { STATUS, TRICKY_CONFIG, TRICKY_PATHS, type Outcome, type TrickyPath } from './tricky-paths.ts';

const user = createSigV4Signer({ keyId: 'AKIDTRICKYUSER', secret: 'tricky-secret-user-01', region: 'us-east-1', service: 'execute-api' });
const auth = createAuthenticator(loadConfig(TRICKY_CONFIG));
const authorizer = createAuthorizerHandler({ authenticator: () => auth });

const draft = (host: string, path: string): SignedRequest => ({
  method: 'GET',
  path,
  query: 'q=1',
  headers: [['host', host]],
  body: new Uint8Array(),
});
const rows = (who: 'user' | 'anonymous') => TRICKY_PATHS.map((r) => [r.path, r[who], r] as [string, Outcome, TrickyPath]);

describe('the Worker under workerd, proxying to a loopback origin', () => {
  let mf: Miniflare;
  let origin: Server;
  const reached: string[] = [];
  let host = '';
  beforeAll(async () => {
    origin = createServer((req, res) => {
      reached.push(req.url ?? '');
      res.end('origin');
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const script = await bundleWorker('functions/worker.ts');
    mf = await startWorker(script, {
      AUTH_CONFIG: JSON.stringify(TRICKY_CONFIG),
      ORIGIN_URL: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`,
    });
    host = (await mf.ready).host;
  });
  afterAll(async () => {
    await mf?.dispose();
    await new Promise((r) => origin?.close(r));
  });

  const expectWorker = async (req: SignedRequest, outcome: Outcome, row: TrickyPath) => {
    const before = reached.length;
    const res = await sendRaw(await mf.ready, req);
    const allowed = outcome === 'allowed' ? [200] : outcome === 'forbidden' && row.rewrittenByWorkerd ? [401, 403] : [STATUS[outcome]];
    expect(allowed).toContain(res.status);
    expect(reached.length - before).toBe(outcome === 'allowed' ? 1 : 0);
    if (row.atWorker && outcome === 'allowed') expect(reached.at(-1)!.split('?')[0]).toBe(row.atWorker.origin);
  };
  const workerRows = (who: 'user' | 'anonymous') =>
    rows(who).map(([p, o, r]) => [p, r.atWorker?.[who] ?? o, r] as [string, Outcome, TrickyPath]);
  it.each(workerRows('user'))('signed by a key without admin: %s -> %s', async (path, outcome, row) => {
    await expectWorker(await user.sign(draft(host, path)), outcome, row);
  });
  it.each(workerRows('anonymous'))('unsigned: %s -> %s', async (path, outcome, row) => {
    await expectWorker(draft(host, path), outcome, row);
  });
});

function httpEvent(req: SignedRequest): HttpApiAuthorizerEvent {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/$default/GET${req.path}`,
    rawPath: req.path,
    rawQueryString: req.query,
    headers: Object.fromEntries(req.headers.map(([n, v]) => [n.toLowerCase(), v])),
    requestContext: { http: { method: req.method }, stage: '$default' },
  };
}

/** REST: the fields as API Gateway would pass a path it did not decode (the hardest case for us: nothing is cleaned up first). */
function restEvent(req: SignedRequest): RestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/prod/GET${req.path}`,
    httpMethod: req.method,
    path: req.path,
    headers: Object.fromEntries(req.headers),
    queryStringParameters: { q: '1' },
    requestContext: { path: `/prod${req.path}`, stage: 'prod' },
  };
}

/** What an authorizer answer means for the client: 200, 401 or 403. */
async function authorizerOutcome(answer: Promise<unknown>): Promise<Outcome> {
  try {
    const r = (await answer) as RestAuthorizerResult | SimpleAuthorizerResult;
    const allowed = 'isAuthorized' in r ? r.isAuthorized : r.policyDocument.Statement.every((s) => s.Effect === 'Allow');
    return allowed ? 'allowed' : 'forbidden';
  } catch (e) {
    expect((e as Error).message).toBe('Unauthorized');
    return 'unauthorized';
  }
}

// API Gateway can only answer 200, 401 or 403 (or 500): a refused path is a Deny.
const atGateway = (o: Outcome): Outcome => (o === 'refused' ? 'forbidden' : o);

describe.each([
  ['HTTP API events', httpEvent],
  ['REST events', restEvent],
])('%s', (_label, event) => {
  it.each(rows('user'))('signed by a key without admin: %s -> %s', async (path, outcome) => {
    expect(await authorizerOutcome(authorizer(event(await user.sign(draft('api.example.com', path)))))).toBe(atGateway(outcome));
  });
  it.each(rows('anonymous'))('unsigned: %s -> %s', async (path, outcome) => {
    expect(await authorizerOutcome(authorizer(event(draft('api.example.com', path))))).toBe(atGateway(outcome));
  });
});

describe('the in-function check', () => {
  // The README tells callers to pass the URL as the client requested it: with the stage, or not.
  it.each(rows('user').flatMap(([p, o]) => [['', p, o] as [string, string, Outcome], ['/dev', p, o] as [string, string, Outcome]]))(
    'signed by a key without admin: %s%s -> %s',
    async (prefix, path, outcome) => {
      const signed = await user.sign(draft('api.example.com', prefix + path));
      const result = await authenticate(auth, {
        method: 'GET',
        url: `https://api.example.com${prefix}${path}?q=1`,
        headers: signed.headers,
        body: '',
      });
      // The in-function check always authenticates (public routes included): "allowed" means authentic.
      expect(result.status).toBe(STATUS[outcome]);
    },
  );
  it('given the stage, judges exactly the path without it', async () => {
    const signed = await user.sign(draft('api.example.com', '/dev/admin/users'));
    const result = await authenticate(auth, {
      method: 'GET',
      url: 'https://api.example.com/dev/admin/users?q=1',
      headers: signed.headers,
      stage: 'dev',
    });
    expect(result).toMatchObject({ authentic: false, status: 403, code: 'ERR_FORBIDDEN' });
  });
});
