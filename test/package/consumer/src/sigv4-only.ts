// A Lambda authorizer and a Worker middleware that speak SigV4 alone, through withSchemes: their
// bundles hold SigV4 and none of the other schemes (test/package/consumer.test.ts checks).
import { sigv4Scheme, withSchemes, type Authenticator } from 'edge-authorizer';
import { createAuthorizerHandler, openLambdaKeyStore } from 'edge-authorizer/aws-lambda';
import { edgeAuth, openWorkerKeyStore } from 'edge-authorizer/hono';

declare const process: { env: Record<string, string | undefined> };

const sigv4Only = withSchemes(sigv4Scheme);

let lambdaAuth: Authenticator | undefined;
export const handler = createAuthorizerHandler({
  authenticator: () =>
    (lambdaAuth ??= sigv4Only.createAuthenticator(sigv4Only.loadConfig(process.env['AUTH_CONFIG'] ?? ''), {
      openKeyStore: (spec, i) => openLambdaKeyStore(spec, i),
    })),
});

let workerAuth: Authenticator | undefined;
let bindings: Record<string, unknown> = {};
export const middleware = edgeAuth({
  authenticator: (c) => {
    bindings = c.env as Record<string, unknown>;
    return (workerAuth ??= sigv4Only.createAuthenticator(sigv4Only.loadConfig(bindings['AUTH_CONFIG']), {
      openKeyStore: (spec, i) => openWorkerKeyStore(spec, i, { env: () => bindings }),
    }));
  },
});
