// A Cloudflare Worker: every request is verified at the edge before it reaches a route.
// AUTH_CONFIG is the configuration document: `wrangler secret put AUTH_CONFIG < config.json`.
import { Hono } from 'hono';
import { createAuthenticator, loadConfig, type Authenticator } from 'edge-authorizer';
import { edgeAuth, openWorkerKeyStore, type EdgeAuthVariables } from 'edge-authorizer/hono';

export interface Env {
  AUTH_CONFIG: string;
  // The bindings the configuration's keyStores[] name: a KV namespace, a secret with a key bundle.
  [binding: string]: unknown;
}

// Built on the first request and reused for the life of the isolate, with the key stores it opened.
let auth: Authenticator | undefined;
// The stores read their bindings when their cache needs the source: from the latest request's env.
let bindings: Env | undefined;

const app = new Hono<{ Bindings: Env; Variables: EdgeAuthVariables }>();

app.use(
  '*',
  edgeAuth({
    authenticator: (c) => {
      bindings = c.env as Env;
      return (auth ??= createAuthenticator(loadConfig(bindings.AUTH_CONFIG), {
        // Without it, a configuration with keyStores[] (Workers KV, a secret binding, a MAuth key service) cannot be opened.
        openKeyStore: (spec, i) => openWorkerKeyStore(spec, i, { env: () => bindings ?? {} }),
      }));
    },
    log: (entry) => console.log(JSON.stringify(entry)),
  }),
);

app.get('/health', (c) => c.text('ok'));

app.get('/hello', (c) => {
  const verified = c.get('auth'); // undefined on a public route
  return c.json({ hello: verified?.principal.id ?? 'anonymous', scheme: verified?.scheme ?? null });
});

export default app;
