// An API Gateway REQUEST authorizer (REST and HTTP APIs alike). Deploy it with TTL 0 and no
// identity source (see docs/deploy.md): a cached signature answer would be a bearer token.
// Bundle it with `@aws-sdk/*` left external: Lambda's Node runtimes ship the SDK, which a
// `secrets-manager` key store imports on its first lookup.
import { readFileSync } from 'node:fs';
import { createAuthenticator, loadConfig, type Authenticator } from 'edge-authorizer';
import { createAuthorizerHandler, openLambdaKeyStore } from 'edge-authorizer/aws-lambda';

// Once per container, on the first event; a configuration error is a 500, never an Allow.
let auth: Authenticator | undefined;

export const handler = createAuthorizerHandler({
  authenticator: () =>
    (auth ??= createAuthenticator(loadConfig(process.env.AUTH_CONFIG ?? readFileSync('auth-config.json', 'utf8')), {
      // Without it, a configuration with keyStores[] (Secrets Manager, a MAuth key service) cannot be opened.
      openKeyStore: (spec, i) => openLambdaKeyStore(spec, i),
    })),
  log: (entry) => console.log(JSON.stringify(entry)),
});
