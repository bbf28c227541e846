/**
 * The Lambda authorizer cases `npm run bench` measures on Node: the REQUEST authorizer handler our
 * package builds (createAuthorizerHandler, node:crypto backend, keys in memory), given API Gateway's
 * events for a signed GET, beside the floor authorizer in bare node:crypto (bench/lambda-floor.ts).
 * Every call gets a fresh event parsed from its JSON text, as the Lambda runtime hands one over.
 */
import { createAuthorizerHandler } from '../lib/adapters/aws-lambda/authorizer.ts';
import { createAuthenticator } from '../lib/authenticator.ts';
import { loadConfig } from '../lib/config/load.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import { createSigV4Signer } from '../lib/schemes/sigv4/index.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../test/fixtures/apigw.ts';
import { floorSigningKey } from './floor.ts';
import { floorAuthorizer, type FloorEvent } from './lambda-floor.ts';

/** The case names BENCHMARKS.md shows; each is compared with `floor` run by run. */
export const LAMBDA_CASES = {
  rest: 'REST authorizer: edge-authorizer handler, signed GET (no x-amz-content-sha256, as botocore and curl send it)',
  restHashed: 'REST authorizer: edge-authorizer handler, signed GET with x-amz-content-sha256',
  http: 'HTTP API authorizer (simple responses): edge-authorizer handler, signed GET',
  floor: 'REST authorizer floor: node:crypto from the event',
} as const;

export interface LambdaCase {
  readonly name: string;
  readonly group: 'lambda';
  make(): unknown;
  run(input: unknown): unknown;
  readonly expect: (out: unknown) => boolean;
}

const KEY_ID = 'AKIDLAMBDA';
const SECRET = 'lambda-bench-secret-0123456789';
const REGION = 'us-east-1';
const SERVICE = 'execute-api';

/** The cases, at the instant `now` (the signature's time and the verifier's clock). */
export async function lambdaCases(now: number): Promise<LambdaCase[]> {
  const clock = () => now;
  const config = loadConfig({
    schemes: { sigv4: { region: REGION, service: SERVICE } },
    routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
    lambda: { httpApiSimpleResponses: true },
    keys: [{ id: KEY_ID, secret: SECRET, principal: 'bench', permissions: ['items:read'] }],
  });
  const auth = createAuthenticator(config, { clock });
  const handler = createAuthorizerHandler({ authenticator: () => auth });
  const sign = (signContentSha256: boolean) =>
    createSigV4Signer({ keyId: KEY_ID, secret: SECRET, region: REGION, service: SERVICE, clock, signContentSha256 }).sign({
      method: 'GET',
      path: '/prod/items/42',
      query: '',
      headers: [
        ['Host', 'api.example.com'],
        ['Accept', 'application/json'],
        ['X-Request-Id', '6f1c2b0e-1d2a-4c4b-9d8e-0a1b2c3d4e5f'],
      ],
      body: new Uint8Array(),
    });
  const plain: SignedRequest = await sign(false);
  const hashed: SignedRequest = await sign(true);
  const texts = {
    rest: JSON.stringify(restAuthorizerEvent(plain)),
    restHashed: JSON.stringify(restAuthorizerEvent(hashed)),
    http: JSON.stringify(httpAuthorizerEvent(plain)),
  };
  const date = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  const signingKey = floorSigningKey(SECRET, date, REGION, SERVICE);
  const scope = `${date}/${REGION}/${SERVICE}/aws4_request`;
  const allows = (r: unknown) => {
    const x = r as { policyDocument?: { Statement: Array<{ Effect: string }> }; isAuthorized?: boolean };
    return x.isAuthorized === true || (x.policyDocument?.Statement.every((s) => s.Effect === 'Allow') ?? false);
  };
  const ours = (name: string, text: string): LambdaCase => ({
    name,
    group: 'lambda',
    make: () => JSON.parse(text),
    run: (e) => handler(e as Parameters<typeof handler>[0]),
    expect: allows,
  });
  return [
    ours(LAMBDA_CASES.rest, texts.rest),
    ours(LAMBDA_CASES.restHashed, texts.restHashed),
    ours(LAMBDA_CASES.http, texts.http),
    {
      name: LAMBDA_CASES.floor,
      group: 'lambda',
      make: () => JSON.parse(texts.rest),
      run: (e) => floorAuthorizer(e as FloorEvent, signingKey, scope),
      expect: allows,
    },
  ];
}
