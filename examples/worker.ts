// A Cloudflare Worker: every request is verified at the edge before it reaches a route.
// AUTH_CONFIG is the configuration document: `wrangler secret put AUTH_CONFIG < config.json`.
import { Hono } from 'hono';
import { createAuthenticator, loadConfig, type Authenticator } from 'edge-authorizer';
import { edgeAuth, type EdgeAuthVariables } from 'edge-authorizer/hono';

export interface Env {
  AUTH_CONFIG: string;
}

// Built on the first request and reused for the life of the isolate.
let auth: Authenticator | undefined;

const app = new Hono<{ Bindings: Env; Variables: EdgeAuthVariables }>();

app.use(
  '*',
  edgeAuth({
    authenticator: (c) => (auth ??= createAuthenticator(loadConfig((c.env as Env).AUTH_CONFIG))),
    log: (entry) => console.log(JSON.stringify(entry)),
  }),
);

app.get('/health', (c) => c.text('ok'));

app.get('/hello', (c) => {
  const verified = c.get('auth'); // undefined on a public route
  return c.json({ hello: verified?.principal.id ?? 'anonymous', scheme: verified?.scheme ?? null });
});

export default app;
