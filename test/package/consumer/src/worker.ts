// A Cloudflare Worker that uses the package as a consumer would: Hono plus edge-authorizer/hono.
import { Hono } from 'hono';
import { createAuthenticator, loadConfig, type Authenticator } from 'edge-authorizer';
import { edgeAuth, type EdgeAuthVariables } from 'edge-authorizer/hono';

type AppEnv = { Bindings: { AUTH_CONFIG: string }; Variables: EdgeAuthVariables };

let auth: Authenticator | undefined;
const app = new Hono<AppEnv>();

app.use('*', edgeAuth({ authenticator: (c) => (auth ??= createAuthenticator(loadConfig((c.env as AppEnv['Bindings']).AUTH_CONFIG))) }));
app.all('*', (c) =>
  c.json({
    principal: c.get('auth')?.principal.id ?? null,
    path: c.get('request').path,
    query: c.get('request').query,
    body: new TextDecoder().decode(c.get('body')),
  }),
);

export default app;
