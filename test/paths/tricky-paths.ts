/**
 * One table of tricky paths, run through every adapter (tricky-paths.test.ts): the Worker over real
 * HTTP under workerd, HTTP API events, REST events and the in-function check. Each row is a path an
 * origin may route to a guarded place however it is spelled; the configuration below guards
 * `/admin/*` with the `admin` permission behind a public `/public/*`.
 */
export const TRICKY_CONFIG = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  routes: [{ path: '/public/*', public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
  keys: [
    { id: 'AKIDTRICKYUSER', secret: 'tricky-secret-user-01', principal: 'user', permissions: ['items:read'] },
    { id: 'AKIDTRICKYADMIN', secret: 'tricky-secret-admin-01', principal: 'admin', permissions: ['admin'] },
  ],
};

/**
 * `user`: what a signed request from a key without `admin` gets; `anonymous`: an unsigned one.
 * forbidden = 403 / Deny; allowed = 200 / Allow; unauthorized = 401; refused = 400 (a path no
 * reading of which is safe to route; API Gateway answers it with a Deny, 403).
 */
export type Outcome = 'forbidden' | 'allowed' | 'unauthorized' | 'refused';

export interface TrickyPath {
  readonly path: string;
  readonly user: Outcome;
  readonly anonymous: Outcome;
  /** workerd rewrites this path (WHATWG URL parsing) before the Worker sees it, so the client's signature may no longer match: 401 instead of 403. */
  readonly rewrittenByWorkerd?: boolean;
  /** Where the Worker's outcome differs, because workerd normalised the URL first; `origin` is the path the origin must receive. */
  readonly atWorker?: { readonly user: Outcome; readonly anonymous: Outcome; readonly origin: string };
}

export const TRICKY_PATHS: readonly TrickyPath[] = [
  // Control rows: the table must not pass by denying everything.
  { path: '/items/1', user: 'allowed', anonymous: 'unauthorized' },
  { path: '/public/docs', user: 'allowed', anonymous: 'allowed' },
  { path: '/public/a%2Fb', user: 'allowed', anonymous: 'allowed' },
  // Spellings of /admin/users.
  { path: '/admin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '//admin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin//users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/%61dmin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin%2Fusers', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin%2fusers', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin%5Cusers', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin\\users', user: 'forbidden', anonymous: 'unauthorized', rewrittenByWorkerd: true },
  { path: '/admin;x/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/./admin/users', user: 'forbidden', anonymous: 'unauthorized', rewrittenByWorkerd: true },
  { path: '/items/../admin/users', user: 'forbidden', anonymous: 'unauthorized', rewrittenByWorkerd: true },
  { path: '/%2e/admin/users', user: 'forbidden', anonymous: 'unauthorized', rewrittenByWorkerd: true },
  { path: '/admin%252Fusers', user: 'forbidden', anonymous: 'unauthorized' },
  // Escapes out of the public route.
  { path: '/public/..%2Fadmin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/..%5Cadmin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/..;/admin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/%2e%2e/admin/users', user: 'forbidden', anonymous: 'unauthorized', rewrittenByWorkerd: true },
  { path: '/public/.%2E/admin/users', user: 'forbidden', anonymous: 'unauthorized', rewrittenByWorkerd: true },
  { path: '/public/..%252Fadmin/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/%2E%2E%2Fadmin/users', user: 'forbidden', anonymous: 'unauthorized' },
  // Case-insensitive origins (Express by default, IIS).
  { path: '/ADMIN/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/Admin/users', user: 'forbidden', anonymous: 'unauthorized' },
  // Routers that match the path as text: for them this is under /admin/*.
  // workerd resolves the dots before the Worker runs and the Worker forwards the path it judged
  // (/public/x), so there the origin never sees the dots: public is right.
  {
    path: '/admin/../public/x',
    user: 'forbidden',
    anonymous: 'unauthorized',
    atWorker: { user: 'allowed', anonymous: 'allowed', origin: '/public/x' },
  },
  {
    path: '/admin/%2e%2e/public/x',
    user: 'forbidden',
    anonymous: 'unauthorized',
    atWorker: { user: 'allowed', anonymous: 'allowed', origin: '/public/x' },
  },
  // WSGI/ASGI servers decode %2F into "/" and keep the dots.
  { path: '/admin%2F..%2Fitems', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin%2F%2E%2E%2Fitems', user: 'forbidden', anonymous: 'unauthorized' },
  // Java-style case folding: the dotless ı.
  { path: '/adm%C4%B1n/users', user: 'forbidden', anonymous: 'unauthorized' },
  // IIS, NTFS and NFKC origins.
  { path: '/admin::$INDEX_ALLOCATION/users', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/..%20/admin/x', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/..%u002fadmin/x', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/public/..%EF%BC%8Fadmin/x', user: 'forbidden', anonymous: 'unauthorized' },
  { path: '/admin./users', user: 'forbidden', anonymous: 'unauthorized' },
  // No safe reading at all.
  { path: '/admin%00/users', user: 'refused', anonymous: 'refused' },
  { path: '/public/a%0d%0aX-Injected:1', user: 'refused', anonymous: 'refused' },
  { path: '/public/%C0%AE%C0%AE/admin', user: 'refused', anonymous: 'refused' },
];

/** The HTTP status a Worker or the in-function check answers for an outcome. */
export const STATUS: Record<Outcome, number> = { allowed: 200, forbidden: 403, unauthorized: 401, refused: 400 };
