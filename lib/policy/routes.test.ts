import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { isPlainRoutePath, routeReadings, routeReadingsExhaustive } from '../core/route-path.ts';
import {
  basePathTails,
  compileBasePaths,
  createRouteTable,
  decidingPrefixEnd,
  decidingText,
  foldCase,
  foldCaseFull,
  MAX_READ_BYTES,
  matchesPattern,
  mountedReadings,
  strictestOf,
} from './routes.ts';

/** The refusal of a path that would cost more than the read budget to read every way. */
const TOO_MANY_READINGS = {
  ok: false,
  error: expect.objectContaining({
    code: 'ERR_PATH_REJECTED',
    message: 'request path holds too many escapes, separators and dot segments to be read every way an origin could',
  }),
};

const table = createRouteTable(
  loadConfig({
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
    routes: [
      { path: '/public/*', public: true },
      { path: '/reports', methods: ['GET'], permissions: ['reports'] },
      { path: '/admin/*', permissions: ['admin'] },
      { path: '/billing/*', permissions: ['billing'] },
      { path: '/upload', methods: ['POST'], verifyInFunction: true },
      { path: '/upload/%7Eraw', methods: ['POST'], verifyInFunction: true },
      { path: '*' },
    ],
  }).routes,
);

describe('matchesPattern', () => {
  it.each([
    ['*', '/anything', true],
    ['/admin/*', '/admin', true],
    ['/admin/*', '/admin/', true],
    ['/admin/*', '/admin/x/y', true],
    ['/admin/*', '/administrator', false],
    ['/adm*', '/administrator', true],
    ['/exact', '/exact', true],
    ['/exact', '/exact/', true],
    ['/exact', '/exact/more', false],
    ['/exact', '/exact//', false],
    ['/', '/', true],
    ['/', '//', true],
    ['/', '/x', false],
  ])('%s ~ %s: %s', (pattern, path, expected) => {
    expect(matchesPattern(pattern, path)).toBe(expected);
  });

  it('agrees with the definition read as text, for any pattern and path', () => {
    // The definition, slicing as it goes; matchesPattern takes each pattern apart once instead.
    const trimSlash = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
    const byDefinition = (pattern: string, path: string) => {
      if (pattern === '*') return true;
      if (pattern.endsWith('/*')) return path.startsWith(pattern.slice(0, -1)) || path === pattern.slice(0, -2);
      if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
      return trimSlash(path) === trimSlash(pattern);
    };
    const text = fc.array(fc.constantFrom('/', 'a', 'b', '*', '.'), { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, text, (pattern, path) => {
        for (const [x, y] of [
          [pattern, path],
          [`/${pattern}`, `/${path}`],
          [`/${pattern}`, path],
        ] as const)
          expect(matchesPattern(x, y)).toBe(byDefinition(x, y));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('route decisions', () => {
  it('refuses a path it refuses whatever the method, even one a JavaScript caller got wrong (it never throws for it)', () => {
    for (const method of [null, ['GET', null], ['GET', 1]] as unknown as string[])
      for (const path of ['/a/%00', 'https:/admin', '/x\t/..']) expect(table.decide(method, path)).toMatchObject({ ok: false });
  });
  /** The rules of {@link adminBesidePublic}. */
  const adminRules = (guarded: string) =>
    loadConfig({
      schemes: { sigv4: { region: 'r', service: 's' } },
      routes: [
        { path: guarded, permissions: ['admin'] },
        { path: '*', public: true },
      ],
    }).routes;
  /** `guarded` for admins beside a public everything else. */
  const adminBesidePublic = (guarded: string) => createRouteTable(adminRules(guarded));
  /** An exact guarded /admin beside a public everything else: what a path that resolves to /admin/ must not pass. */
  const exactAdmin = () => adminBesidePublic('/admin');
  it('requires every permission any reading reaches (an ambiguous path between two guarded routes needs both)', () => {
    // "%2F" read as "/" lands on /billing; read as data it stays under /admin.
    expect(table.decide('GET', '/admin/..%2Fbilling/x')).toMatchObject({ ok: true, public: false, permissions: ['admin', 'billing'] });
  });
  it('is public only when every reading is', () => {
    expect(table.decide('GET', '/public/a%2Fb')).toMatchObject({ ok: true, public: true });
    expect(table.decide('GET', '/public/..%2F..%2Fadmin')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
  });
  it('lets a rule for GET cover HEAD, as most servers answer it', () => {
    expect(table.decide('HEAD', '/reports')).toMatchObject({ permissions: ['reports'] });
    expect(table.decide('head', '/reports')).toMatchObject({ permissions: ['reports'] });
    expect(table.decide('POST', '/reports')).toMatchObject({ permissions: [] });
    // A GET-only public route stays public for HEAD (load balancers and uptime checks send it).
    const health = createRouteTable(
      loadConfig({
        schemes: { sigv4: { region: 'r', service: 's' } },
        routes: [{ path: '/health', methods: ['GET'], public: true }, { path: '*' }],
      }).routes,
    );
    expect(health.decide('HEAD', '/health')).toMatchObject({ public: true });
  });
  it('folds case as Java does: the dotless ı and the dotted İ', () => {
    expect(table.decide('GET', '/adm%C4%B1n/x')).toMatchObject({ permissions: ['admin'] });
    expect(table.decide('GET', '/ADM%C4%B0N/x')).toMatchObject({ permissions: ['admin'] });
    expect(table.decide('GET', '/bill%C4%B1ng/x')).toMatchObject({ permissions: ['billing'] });
  });
  it('passes a body on for in-function verification only when every guarded reading asks for it', () => {
    expect(table.decide('POST', '/upload')).toMatchObject({ verifyInFunction: true });
    expect(table.decide('POST', '/upload/~raw')).toMatchObject({ verifyInFunction: true });
    expect(table.decide('POST', '/upload;x/..%2F..%2Fadmin')).toMatchObject({ verifyInFunction: false, permissions: ['admin'] });
  });
  it('matches patterns in their normalised form', () => {
    expect(table.decide('POST', '/upload/%7eraw')).toMatchObject({ verifyInFunction: true });
  });
  it('matches each reading with case folded too (Express and IIS route case-insensitively)', () => {
    expect(table.decide('GET', '/ADMIN/x')).toMatchObject({ public: false, permissions: ['admin'] });
    expect(table.decide('GET', '/Billing')).toMatchObject({ public: false, permissions: ['billing'] });
    // A public route spelled otherwise is not public: the case-sensitive reading lands on "*".
    expect(table.decide('GET', '/PUBLIC/x')).toMatchObject({ public: false, permissions: [] });
    const upper = createRouteTable(
      loadConfig({
        schemes: { sigv4: { region: 'r', service: 's' } },
        routes: [{ path: '/Admin/*', permissions: ['admin'] }, { path: '*' }],
      }).routes,
    );
    expect(upper.decide('GET', '/admin/x')).toMatchObject({ permissions: ['admin'] });
  });
  it('reads a path with an empty segment as a URL resolves it too: /reports//../x is /reports/x to a WHATWG origin', () => {
    const exact = createRouteTable(
      loadConfig({
        schemes: { sigv4: { region: 'r', service: 's' } },
        routes: [{ path: '/reports/x', permissions: ['reports'] }, { path: '*' }],
      }).routes,
    );
    expect(exact.decide('GET', '/reports//../x')).toMatchObject({ permissions: ['reports'] });
    // A URL reads "\\" as "/": the empty segment it makes absorbs the "..".
    for (const path of ['/reports/x\\\\..', '/reports/x\\/..', '/reports/x/\\..', '/reports/x%5C%5C..'])
      expect(exact.decide('GET', path), path).toMatchObject({ permissions: ['reports'] });
  });
  it('reads the path a URL front makes of it: dots resolved around a %2F kept as text, then decoded with dots kept', () => {
    // A WHATWG URL makes /admin%2F../ of these (the "\\" is a "/", the %2F a character of its segment); an
    // app that then decodes %2F and keeps dot segments routes /admin/../ under /admin. No reading of the
    // text itself resolves that way.
    for (const path of ['/../admin%2F../public\\..', '/public\\../admin%2F../x/', '/x/%2e%2e/admin%2F..%2F..%2Fpublic'])
      expect(table.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // A path with no escape, or no dot, is read as before.
    expect(table.decide('GET', '/public/a%2Fb')).toMatchObject({ public: true });
    expect(table.decide('GET', '/public/v1.2/x')).toMatchObject({ public: true });
  });
  it('reads a trailing space as a URL parser does: it trims it before resolving, so /admin/..;/.. is /admin/', () => {
    const exact = exactAdmin();
    // REST hands the path over decoded: a %20 on the wire is a space here.
    for (const path of ['/admin/..;/.. ', '/admin/%2e%2e;/.. ', '/admin/..;/..  '])
      expect(exact.decide('GET', path), JSON.stringify(path)).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    expect(exact.decide('GET', '/files/a b ')).toMatchObject({ public: true });
  });
  it('reads trailing whitespace as Node url.parse trims it (Express behind serverless-http): /admin + U+FEFF is /admin', () => {
    const exact = exactAdmin();
    for (const path of ['/admin\uFEFF', '/admin\u00A0', '/admin\uFEFF\uFEFF', '/admin \uFEFF'])
      expect(exact.decide('GET', path), JSON.stringify(path)).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
  });
  it('reads a URL front popping a "..;" segment that Tomcat then cuts: /admin;/..;/.. is /admin;/, which Tomcat routes as /admin/', () => {
    const exact = exactAdmin();
    for (const path of ['/admin;/..;/..', '/admin;x/..;y/..'])
      expect(exact.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
  });
  it('reads a first segment after "//" or "/\\" as URL parsers do, a host: //x/admin is /admin to new URL(req.url, base)', () => {
    const exact = exactAdmin();
    for (const path of ['//x/admin', '/\\x/admin', '///admin/x/..', '//x/admin/', '/%2Fx/admin', '/%5Cx/admin'])
      expect(exact.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // Node's url.parse, where Express's parseurl sends a path with white space (REST decodes %20), takes "//u@h" as a
    // host, and Express's mount then cuts req.url where the pathname no longer starts: refused, as decoded too.
    for (const path of ['/\\u@h/admin/users x', '//u@h/admin\uFEFF', '//u@admin/api/x ', '/%2Fu@admin/api/x'])
      expect(table.decide('GET', path), JSON.stringify(path)).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
    // ... what is left is read every way again: an app decodes %2F and keeps the dots.
    expect(table.decide('GET', '//..;/admin%2F..')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // ... and loses its host again if it starts with "//" once more: //v1%2Fadmin/v1%2F.. decoded is //v1/admin/.
    for (const path of ['//v1.//v1%2Fadmin/v1%2F..', '/..\\/v1.//v1%2Fadmin/v1%2F..'])
      expect(exact.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    expect(exact.decide('GET', '//x/public')).toMatchObject({ ok: true, public: true });
  });
  it('reads a reading that starts with "//" as URL parsers do too: /%2F//..%2F../admin/%2e%2e decoded is ////../../admin/..', () => {
    // Node's url.parse takes an empty host from the decoded path and leaves //../../admin/.., where a handler mounted
    // before its last ".." and a host drop after it find /admin/ (base-paths.property.test.ts found it; HTTP API
    // $default hands the raw path to an app that decodes it).
    for (const path of ['/%2F//..%2F../admin/%2e%2e', '/%2F//..%2F../admin/..%2F..', '/%5C//..%5C../admin/%2e%2e'])
      expect(table.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // Each is judged as its decoded path is.
    expect(table.decide('GET', '////../../admin/..')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    expect(table.decide('GET', '/%2F//..%2F../public/%2e%2e')).toMatchObject({ ok: true, public: false, permissions: [] });
  });
  it('reads a "//" further in as a host to a handler mounted before it, and refuses a //user@host anywhere (tenth review)', () => {
    const api = adminBesidePublic('/api/admin/*');
    // app.use('/api', handler) where the handler reads new URL(req.url, base): "//x/admin/y" is /admin/y under /api.
    for (const path of ['/api//x/admin/y', '/api///x/admin/y', '/api/\\x/admin/y'])
      expect(api.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // Express's mount then url.parse (white space in the path) drops //u@h wherever the mount cut the path.
    for (const path of ['/api//u@h/admin/x ', '/api/\\u@h/admin/x ', '/api//u@admin/pub/x '])
      expect(api.decide('GET', path), JSON.stringify(path)).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
    // An "@" in an ordinary segment is no host.
    expect(api.decide('GET', '/users/a@b.com')).toMatchObject({ ok: true, public: true });
    expect(api.decide('GET', '/api/users//list')).toMatchObject({ ok: true, public: true });
  });
  it('drops a host along a chain of handlers that parse URLs: a front, then a handler mounted under it, or two mounted handlers', () => {
    const nested = adminBesidePublic('/api/v1/admin/*');
    // //h/api//x/v1/admin: new URL() in front takes "h", a handler mounted at /api takes "x"; /api/v1//y/admin: one
    // mounted at /api/v1 takes "y"; /api//x/v1//y/admin: both mounted handlers do.
    for (const path of ['//h/api//x/v1/admin', '/api//x/v1//y/admin', '/api/v1//y/admin/z', '/\\h/api/\\x/v1/admin'])
      expect(nested.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    expect(nested.decide('GET', '/api//x/v2//y/admin')).toMatchObject({ ok: true, public: true });
  });
  it('judges long paths with many "//" instead of refusing them: only a "//" within what rules look at can change a decision', () => {
    const api = adminBesidePublic('/api/admin/*');
    // Escapes, ";params", an escaped slash, dots and a "//" in every piece: up to the default 16 KiB URL limit under
    // rules that look 14 characters in, which a "//" in several readings holds; at 33 KiB where they look past none
    // (the default rule, "*").
    const unit = '/a%2Fb;p=1/b%2Fc/./c\\d/%2e;x//';
    const spell = (piece: string, front: string, kib: number) =>
      (front + piece.repeat(Math.ceil((kib * 1024) / piece.length))).slice(0, kib * 1024 - 1);
    const spelled = (front: string, kib: number) => spell(unit, front, kib);
    // Read every way, these cost 58 passes: within the read budget (2 MiB, MAX_READ_BYTES) up to 33 KiB; past it,
    // refused for that, never for their "//".
    for (const kib of [4, 16]) expect(api.decide('GET', spelled('/api', kib)), `${kib} KiB`).toMatchObject({ ok: true, public: true });
    const everything = createRouteTable(loadConfig({ schemes: { sigv4: { region: 'r', service: 's' } } }).routes);
    for (const kib of [16, 33])
      expect(everything.decide('GET', spelled('/x', kib)), `${kib} KiB`).toMatchObject({ ok: true, public: false });
    expect(everything.decide('GET', spelled('/x', 64))).toEqual(TOO_MANY_READINGS);
    // What refuses it is the budget: without one 64 KiB passes, with half of it 33 KiB does not.
    const everythingUnbounded = createRouteTable(loadConfig({ schemes: { sigv4: { region: 'r', service: 's' } } }).routes, [], {
      readBytes: Infinity,
    });
    expect(everythingUnbounded.decide('GET', spelled('/x', 64))).toMatchObject({ ok: true, public: false });
    const half = createRouteTable(loadConfig({ schemes: { sigv4: { region: 'r', service: 's' } } }).routes, [], { readBytes: 1 << 20 });
    expect(half.decide('GET', spelled('/x', 33))).toEqual(TOO_MANY_READINGS);
    // With ".." beside those, a double escape and a "/%5C" (the bench's worst case), the readings that must be read
    // every way again are more than MAX_REREADS at any length: refused for that, before the budget.
    const everySpelling = '/a%2F..;p=1/%5Cb%252F/./c\\d/%2e%2E;x/';
    for (const kib of [1, 4, 16]) expect(api.decide('GET', spell(everySpelling, '/api', kib)), `${kib} KiB`).toEqual(TOO_MANY_READINGS);
    // A plain path at the default 16 KiB limit with a "//" near its start and one in every third segment after it.
    const tail = 'files/x//'.repeat(1800);
    expect(api.decide('GET', '/api//v/' + tail)).toMatchObject({ ok: true, public: true });
    expect(api.decide('GET', '/api//h/admin/' + tail)).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // A host drop's ".." stop at the handler's root, as new URL() resolves them: the mount stays.
    expect(api.decide('GET', `/api//h/${'x/'.repeat(4000)}${'../'.repeat(4001)}admin`)).toMatchObject({ ok: true, public: false });
  });
  it('reads dot segments as a handler mounted before them resolves them, at its own root: /api/../admin is /api/admin (eleventh review)', () => {
    const api = adminBesidePublic('/api/admin/*');
    // app.use('/api', h) where h reads new URL(req.url, base): it is handed "/../admin/y", which is its /admin/y.
    for (const path of [
      '/api/../admin/y',
      '/api/x/../../admin/y',
      '/API/%2e%2e/admin',
      '/api/.%2E/admin',
      '/api/./admin',
      '/api/x/%2E%2E/../admin',
    ])
      expect(api.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // A URL parser reads a literal "\\" as "/" and an escaped slash as text: /..\\admin/q%2F..\\.. is its /admin/.
    for (const path of ['/api/..\\admin/q%2F..\\..', '/api/..\\admin/x%5C..\\..', '/API/..\\admin/%2F..\\..', '/api/../admin\\..%2F..'])
      expect(api.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // ... and after a host drop: the handler on /api drops "h"; one it hands on to, mounted on /api, resolves
    // /api/.a/../../admin/y at its root (Node 20's URL leaves it as it is).
    expect(api.decide('GET', '/api//h/..\\..\\..\\admin/q%2F..\\..')).toMatchObject({ ok: true, public: false });
    expect(adminBesidePublic('/x/api/admin/*').decide('GET', '/x//h/api/.a/../../admin/y')).toMatchObject({ ok: true, public: false });
    // What a mounted handler resolves may start with "//", which one it hands on to takes for a host (the eleventh
    // review's third round): /x/..//h/api/admin/z is //h/api/admin/z under /x, then /api/admin/z.
    const x = adminBesidePublic('/x/api/admin/*');
    for (const path of [
      '/x/..//h/api/admin/z',
      '/x/%2e%2e//h/api/admin/z',
      '/x/y/../..//h/api/admin/z',
      `/x${'/..'.repeat(8)}//h/api/admin/z`,
    ])
      expect(x.decide('GET', path), path).toMatchObject({ ok: true, public: false });
    // A handler that decodes once before it parses a URL: new URL(decodeURIComponent(req.url), base).
    expect(api.decide('GET', '/api/%252e%252e%5Cadmin/q%252F%252e%252e%5C%252e%252e')).toMatchObject({ ok: true, public: false });
    expect(x.decide('GET', '/x/api/api/%252e%252e//h/admin/y')).toMatchObject({ ok: true, public: false });
    // Empty segments a router merges after the URL resolved the rest: /..//admin//.. is //admin/, then /admin/.
    expect(api.decide('GET', '/API/..//admin//..')).toMatchObject({ ok: true, public: false });
    for (const path of ['/api/x/..', '/public/../x', '/api/../public/admin', '/files/a.json', '/api/v1/../v2/items'])
      expect(api.decide('GET', path), path).toMatchObject({ ok: true, public: true });
  });
  it('reads a path as IIS does, dot segments resolved before Windows trims the names: /admin / /.. is /admin/', () => {
    for (const exact of [exactAdmin(), table])
      for (const path of ['/admin / /..', '/admin./. /..', '/admin./.../..', '/admin%20/%20/..'])
        expect(exact.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
  });
  it('reads ;params cut before %2F is decoded behind a proxy that decoded the path once (Tomcat)', () => {
    for (const path of ['/x/..%252Fadmin%3B%252F..', '/x/..%252Fadmin;%252F..', '/x/..%252Fadmin%3B%252F../users'])
      expect(table.decide('GET', path), path).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
  });
  it('reads ;params cut before %2F is decoded, as Tomcat decoding encoded slashes does', () => {
    expect(table.decide('GET', '/public/..%2Fadmin;%2F..')).toMatchObject({ public: false, permissions: ['admin'] });
    expect(table.decide('GET', '/public/..%2Fadmin;%2F../users')).toMatchObject({ public: false, permissions: ['admin'] });
  });
  it('keeps dots as text in one reading: a router matching text routes /admin/../x under /admin', () => {
    expect(table.decide('GET', '/admin/../public/x')).toMatchObject({ public: false, permissions: ['admin'] });
  });
  it('refuses a path with no safe reading', () => {
    expect(table.decide('GET', '/a%00')).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED', status: 400 } });
  });
  it('strictestOf merges candidates: any refusal wins, then the union of guarded permissions', () => {
    const a = table.decide('GET', '/admin/x');
    const b = table.decide('GET', '/billing/x');
    const p = table.decide('GET', '/public/x');
    expect(strictestOf([p, a, b])).toMatchObject({ ok: true, public: false, permissions: ['admin', 'billing'] });
    expect(strictestOf([p, p])).toMatchObject({ ok: true, public: true });
    expect(strictestOf([a, table.decide('GET', '/%00')])).toMatchObject({ ok: false });
  });
});

describe('base paths an app takes off itself (basePathTails, decide behind base paths)', () => {
  const tailsOf = (path: string, bases: string[]) => basePathTails(path, compileBasePaths(bases));

  it.each([
    // [path, base paths, tails]
    ['/v1/admin', ['/v1'], ['/admin']], // once at the start (an exact strip, Express's mount)
    ['/v1', ['/v1'], ['/']],
    ['/V1/admin', ['/v1'], ['/admin']], // Express's mount ignores case
    ['/v1/v1/admin', ['/v1'], ['/v1/admin', '/admin']], // as often as it repeats (Lambda Web Adapter), or mounted twice
    ['/x/v1/admin', ['/v1'], ['/admin']], // after its first occurrence anywhere (serverless-http)
    ['/x/V1/admin', ['/v1'], []], // serverless-http matches case
    ['/x/v1/v1/admin', ['/v1'], ['/v1/admin', '/admin']], // serverless-http, then a router mounted under the base path
    ['/v1admin/users', ['/v1'], ['/admin/users']], // Lambda Web Adapter puts a "/" in front of what is left
    ['/v1/v1admin/users', ['/v1'], ['/v1admin/users', '/admin/users']],
    ['/v1../admin', ['/v1'], ['/../admin', '/admin']], // ... and resolves the dot segments it makes (both are judged)
    ['/v10/x', ['/v1'], ['/0/x']], // Lambda Web Adapter again; serverless-http's "0/x" is "/0/x" to new URL(req.url, base)
    ['/public/v10/x', ['/v1'], ['/0/x']],
    ['/x/v1admin', ['/v1'], ['/admin']], // serverless-http's "admin", read as new URL(req.url, base) reads it
    // A cut that parsers split their own ways (a scheme, "//user@host", white space in front): null, refused.
    ['/v1x:/admin/users', ['/v1'], null],
    ['/x/v1\\\\u@h/admin', ['/v1'], null],
    ['/x/v1 /admin', ['/v1'], null],
    ['/v1x/v1/admin', ['/v1'], ['/x/v1/admin']],
    ['/v1/beta/admin', ['/v1', '/v1/beta'], ['/beta/admin', '/admin']], // nested: without each
    ['/v1/beta/admin', ['/v1/beta', '/v1'], ['/admin', '/beta/admin']],
    ['/API/api/admin', ['/api/api'], ['/admin']], // Express, with a base path whose end repeats its start
    ['/items/1', ['/v1'], []],
  ] as Array<[string, string[], string[] | null]>)('%s without %j: %j', (path, bases, tails) => {
    if (tails === null) expect(tailsOf(path, bases)).toBeNull();
    else expect(tailsOf(path, bases)?.sort()).toEqual([...tails].sort());
  });

  it('gives up (undefined) on a path that makes more than 16 such paths: the request is refused', () => {
    expect(tailsOf('/v1'.repeat(16) + '/x', ['/v1'])).toHaveLength(16);
    expect(tailsOf('/v1'.repeat(17) + '/x', ['/v1'])).toBeUndefined();
    expect(tailsOf('/a/b'.repeat(9), ['/a', '/b'])).toBeUndefined();
    // An occurrence within a segment is cut at once, after the first one (serverless-http), and read as a URL.
    expect(tailsOf('/public' + '/v1x'.repeat(40), ['/v1'])).toEqual(['/x' + '/v1x'.repeat(39)]);
  });

  it('agrees with a model of the three apps, written string by string', () => {
    // serverless-http: cut after the first occurrence; Lambda Web Adapter: trim the repeats at the start and
    // put a "/" in front; Express: mounted routers, each strips its base path at the start in any case.
    const model = (path: string, bases: string[]): string[] => {
      const out = new Set<string>();
      const starts: string[] = [path];
      for (const b of bases) {
        const at = path.indexOf(b);
        const cut = path.slice(at + b.length);
        // A cut without a "/" in front is resolved against "/" by new URL(req.url, base).
        if (at >= 0) starts.push(cut === '' || cut.startsWith('/') ? cut || '/' : new URL(cut, 'http://h/').pathname);
        let p = path;
        while (p.startsWith(b)) p = p.slice(b.length);
        if (p !== path) starts.push(...(p.startsWith('/') ? [p] : ['/' + p, new URL('http://h/' + p).pathname]));
      }
      const todo = [...starts];
      for (const p of starts) if (p !== path) out.add(p);
      while (todo.length > 0) {
        const p = todo.pop()!;
        for (const b of bases) {
          const head = p.slice(0, b.length).toLowerCase();
          const next = p.charAt(b.length);
          if (head === b.toLowerCase() && (next === '' || next === '/')) {
            const rest = p.slice(b.length) || '/';
            if (rest !== path && !out.has(rest)) {
              out.add(rest);
              todo.push(rest);
            }
          }
        }
      }
      return [...out];
    };
    const segment = fc.constantFrom('v1', 'V1', 'v10', 'beta', 'BETA', 'admin', 'x', 'v1x');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 8 }),
        fc.uniqueArray(fc.constantFrom('/v1', '/v1/beta', '/beta', '/x/v1'), { minLength: 1, maxLength: 3 }),
        (segments, bases) => {
          const path = '/' + segments.join('/');
          const tails = tailsOf(path, bases);
          if (tails !== undefined) expect(new Set(tails)).toEqual(new Set(model(path, bases)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  const behind = createRouteTable(
    loadConfig({
      schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
      routes: [{ path: '/public/*', public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
      lambda: { basePaths: ['/v1'] },
    }).routes,
    ['/v1'],
  );

  it.each([
    '/x/v1/admin/users', // serverless-http
    '/v1/v1/admin/users', // Lambda Web Adapter
    '/V1/admin/users', // Express's mount ignores case
    '/v1admin/users', // Lambda Web Adapter puts a "/" in front of what is left
    '/x/%761/admin/users', // an escape of an unreserved character
    '/x/v1%2Fadmin/users', // an escaped slash a proxy decodes
    '/1/v1/../admin/users', // a dot segment after the base path, which the router resolves
    '/x/v1/v1/admin', // serverless-http in front of a router mounted under the base path
    '/v1/./admin//..', // Lambda Web Adapter sets /./admin//.., which a URL resolves to /admin/
  ])('%s: judged as the app makes it, /admin/... (needs admin)', (path) => {
    expect(behind.decide('GET', path)).toMatchObject({ ok: true, permissions: [] });
    expect(behind.decide('GET', path, true)).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
  });

  it('leaves paths that hold the base path text only after another letter, or in another case, as they are, public ones public', () => {
    // serverless-http matches case, and a router mounted under the base path strips it only at the start.
    for (const path of ['/public/docs', '/public/xv1/y', '/public/docs/V1/intro', '/public/x_v1', '/public' + '/xv1'.repeat(40)])
      expect(behind.decide('GET', path, true), path).toMatchObject({ ok: true, public: true });
    // A public path holding the base path as a segment is judged as serverless-http would route it too;
    // and one holding it at the start of a segment, as serverless-http's cut is to new URL(req.url, base).
    for (const path of ['/public/v1/x', '/public/v10/x', '/public/v1.json', '/public' + '/v1x'.repeat(40)])
      expect(behind.decide('GET', path, true), path).toMatchObject({ ok: true, public: false });
    expect(behind.decide('GET', '/public/v1admin', true)).toMatchObject({ ok: true, permissions: ['admin'] });
  });

  it('judges a tailsOnly path only by its tails (a custom domain path beside its template)', () => {
    expect(behind.decide('GET', '/v1/public/x', true, true)).toMatchObject({ ok: true, public: true });
    expect(behind.decide('GET', '/v1/admin/x', true, true)).toMatchObject({ ok: true, permissions: ['admin'] });
    expect(behind.decide('GET', '/elsewhere', true, true)).toMatchObject({ ok: true, public: true });
    // No base path configured: nothing to judge it by (its template is judged instead).
    expect(table.decide('GET', '/v1/admin/x', true, true)).toMatchObject({ ok: true, public: true, permissions: [] });
  });

  it('reads a cut without a "/" in front as new URL(req.url, base) does, and refuses one parsers split their own ways', () => {
    // "admin" is /admin to new URL(req.url, base).
    expect(behind.decide('GET', '/x/v1admin', true)).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // url.parse (Express's parseurl) drops a scheme and a host after it ("x:h/admin" is /admin), a "//user@host" and
    // white space in front, and new URL() reads "https:admin" against an https base as /admin: refused.
    for (const path of [
      '/v1x:/admin/users',
      '/v1x:h/admin',
      '/x/v1javascript:/admin/x',
      '/v1https:admin',
      '/x/v1\\\\u@h/admin/x',
      '/x/v1 /admin',
    ])
      expect(behind.decide('GET', path, true), path).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
    // A scheme with no "/" after it has no pathname to url.parse, and no route: Google-style ":verb" paths pass.
    const api = createRouteTable(
      loadConfig({
        schemes: { sigv4: { region: 'r', service: 's' } },
        routes: [{ path: '*', public: true }],
        lambda: { basePaths: ['/api'] },
      }).routes,
      ['/api'],
    );
    for (const path of ['/v2/apis:list', '/apikeys:lookup', '/docs/api2:intro'])
      expect(api.decide('GET', path, true), path).toMatchObject({ ok: true, public: true });
    expect(api.decide('GET', '/v2/apis:list/x', true)).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
    // Without base paths nothing cuts them: judged as they are.
    expect(table.decide('GET', '/v1x:h/admin')).toMatchObject({ ok: true, permissions: [] });
  });
  it('strips a base path again after a parser read a path an app made: //api/public/../v1/admin is /v1/admin, then /admin', () => {
    expect(behind.decide('GET', '/x/v1/\\/api/public\\../v1\\admin/. ', true)).toMatchObject({ ok: true, permissions: ['admin'] });
  });

  it('refuses a path that repeats its base path too often, rather than judge some of its readings', () => {
    expect(behind.decide('GET', '/v1'.repeat(17) + '/admin', true)).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
    expect(behind.decide('GET', '/v1'.repeat(17) + '/admin')).toMatchObject({ ok: true });
  });

  it('judges long ordinary paths under a base path well past the default 16 KiB URL limit', () => {
    // A plain path makes one path to read again: it passes at the largest limit (64 KiB).
    expect(behind.decide('GET', `/v1/files/${'a'.repeat(60_000)}`, true)).toMatchObject({ ok: true, public: false, permissions: [] });
    // With escapes and dots it makes two (the path, and that resolved); with a backslash three.
    for (const path of [
      `/v1/files/${'a'.repeat(30_000)}/report%20final.pdf`,
      `/v1/files/${'a'.repeat(30_000)}/dir%2Fname.txt`,
      `/v1/files/${'a'.repeat(20_000)}/a\\b`,
    ])
      expect(behind.decide('GET', path, true), path.slice(-24)).toMatchObject({ ok: true, public: false, permissions: [] });
  });

  it('refuses a route path holding a "?" or "#" (REST decodes %3F and %23): Lambda Web Adapter would go on past it', () => {
    for (const path of ['/v1/x#/../admin', '/v1/x?/../admin', '/v1;#/admin', '/public#/v1/admin/users'])
      expect(behind.decide('GET', path, true), path).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
    // Without base paths too: every reading of /x#/../admin stops at the "#", a URL path setter makes it /admin.
    for (const path of ['/x#/../admin', '/x?/../admin'])
      expect(table.decide('GET', path), path).toMatchObject({ ok: false, error: { code: 'ERR_PATH_REJECTED' } });
  });

  it('is the plain decision when no base path is configured', () => {
    expect(table.decide('GET', '/x/v1/admin/y', true)).toEqual(table.decide('GET', '/x/v1/admin/y'));
  });
});

describe('foldCase', () => {
  it('agrees with the full fold (upper, lower, U+0307 dropped) on any text, its ASCII short cut included', () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) });
    const text = fc.oneof(ascii, fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(text, (t) => foldCase(t) === foldCaseFull(t)),
      { numRuns: 5000 },
    );
    for (const t of ['/ADMIN', '/İtems', '/ſecret', '/ıtems', '/K', '/a\u0307', '']) expect(foldCase(t)).toBe(foldCaseFull(t));
  });
});

describe('the text rules decide on (decidingPrefixEnd, decidingText)', () => {
  // Text where case folding changes lengths (ß, İ, U+0307), depends on context (Σ before a letter or not, across
  // the case-ignorable "." and ":") and where rules end ("/", "*").
  const unit = fc.constantFrom('a', 'B', '/', '.', ':', 'Σ', 'σ', 'ς', 'İ', 'ı', 'ſ', 'ß', '\u0307', 'K', '*', '%2F', ' ', 'ﬀ');
  const text = (maxLength: number) => fc.array(unit, { maxLength }).map((a) => a.join(''));
  const patterns = fc.array(
    fc.oneof(
      fc.constant('*'),
      text(12).map((t) => `/${t}`),
      text(12).map((t) => `/${t}/*`),
      text(12).map((t) => `/${t}*`),
    ),
    { minLength: 1, maxLength: 4 },
  );
  /** As the route table matches a path: as it stands and case-folded, each rule. */
  const matches = (rules: readonly string[], path: string) =>
    rules.map((p) => [matchesPattern(p, path), matchesPattern(foldCase(p), foldCase(path))]);
  const decidingOf = (rules: readonly string[]) => Math.max(...rules.map((p) => Math.max(p.length, foldCase(p).length))) + 2;

  it('paths that share text holding as many ASCII characters as the longest rule plus two, then a "/", match the same rules', () => {
    let held = 0;
    fc.assert(
      fc.property(
        patterns,
        fc.array(unit, { minLength: 8, maxLength: 60 }).map((a) => a.join('')),
        text(20),
        text(20),
        (rules, mount, a, b) => {
          const deciding = decidingOf(rules);
          const shared = `/${mount}`;
          // What the route table asks before it skips a "//": are there `deciding` ASCII characters before it?
          if (decidingPrefixEnd(shared, deciding) === shared.length && [...shared].filter((c) => c < '\x80').length < deciding) return;
          held++;
          expect(matches(rules, `${shared}/${a}`)).toEqual(matches(rules, `${shared}/${b}`));
          expect(matches(rules, `${shared}/${a}`)).toEqual(matches(rules, shared));
        },
      ),
      { numRuns: 4000 },
    );
    expect(held).toBeGreaterThan(500);
  });
  it('a path matches the rules its deciding text matches, with any mount text before both', () => {
    fc.assert(
      fc.property(patterns, text(8), text(40), (rules, mount, path) => {
        const deciding = decidingOf(rules);
        const full = `/${path}`;
        const decides = decidingText(full, deciding);
        expect(full.startsWith(decides)).toBe(true);
        expect(matches(rules, decides)).toEqual(matches(rules, full));
        expect(matches(rules, `/${mount}${decides}`)).toEqual(matches(rules, `/${mount}${full}`));
      }),
      { numRuns: 4000 },
    );
  });
});

describe('plain paths (the short cut)', () => {
  // Plain units, and units that make a path not plain: a dot segment, an escape, a ";", white space, "//", "\\",
  // a trailing dot, a stream suffix, text that folds.
  const plainUnit = fc.constantFrom('a', 'B', 'admin', 'Admin', 'public', 'x.y', '-', '_', '~', ':', '$', '@', '!', '*', '1');
  const otherUnit = fc.constantFrom('.', '..', '%2F', '%2e', ';x', ' ', '', 'a.', '\\', ':$DATA', 'ß', 'İ', 'x%20', '?');
  const path = fc.oneof(
    fc.array(plainUnit, { minLength: 1, maxLength: 6 }).map((a) => '/' + a.join('/')),
    fc.array(fc.oneof(plainUnit, otherUnit), { minLength: 1, maxLength: 6 }).map((a) => '/' + a.join('/')),
    fc.array(plainUnit, { maxLength: 6 }).map((a) => '/' + a.join('/') + '/'),
  );
  const pattern = fc.oneof(
    fc.constant('*'),
    fc.array(plainUnit, { minLength: 1, maxLength: 3 }).map((a) => '/' + a.join('/')),
    fc.array(plainUnit, { minLength: 1, maxLength: 3 }).map((a) => '/' + a.join('/') + '/*'),
    fc.array(plainUnit, { minLength: 1, maxLength: 2 }).map((a) => '/' + a.join('/') + '*'),
  );
  const rule = fc.record({
    path: pattern,
    methods: fc.constantFrom(['*'], ['GET'], ['POST', 'PUT']),
    public: fc.boolean(),
    permissions: fc.constantFrom([], ['admin'], ['a', 'b']),
    verifyInFunction: fc.boolean(),
  });
  const method = fc.constantFrom<string | string[]>('GET', 'HEAD', 'post', ['GET', 'DELETE']);
  const bases = fc.constantFrom<string[]>([], ['/v1'], ['/a', '/admin']);

  it('decide() answers a plain path as it does when it reads it the long way (behind base paths or not, tails only or not)', () => {
    let plain = 0;
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 5 }),
        method,
        path,
        bases,
        fc.boolean(),
        fc.boolean(),
        (rules, m, p, b, behind, tails) => {
          const routes = rules.map((r) => ({
            ...r,
            methods: [...r.methods],
            permissions: [...r.permissions],
            public: r.public && r.permissions.length === 0 && !r.verifyInFunction,
          }));
          const short = createRouteTable(routes, b);
          const long = createRouteTable(routes, b, { plainShortCut: false });
          if (isPlainRoutePath(p)) plain++;
          expect(short.decide(m, p, behind, tails)).toEqual(long.decide(m, p, behind, tails));
        },
      ),
      { numRuns: 6000 },
    );
    expect(plain).toBeGreaterThan(1500);
  });
  it('a plain path is read one way, as itself', () => {
    fc.assert(
      fc.property(path, (p) => {
        if (!isPlainRoutePath(p)) return;
        expect(routeReadingsExhaustive(p)).toEqual({ ok: true, path: p, readings: [p] });
      }),
      { numRuns: 3000 },
    );
  });
});

describe('mountedReadings', () => {
  /**
   * The WHATWG URL standard's path parsing, left to right (Node 20's own URL leaves `/x/.a/..` as it is,
   * so it cannot serve here): a double-dot segment drops the one before it, a dot segment nothing, and
   * either at the end leaves a "/".
   */
  const resolved = (path: string) => {
    const out: string[] = [];
    const parts = path.split('/').slice(1);
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      if (/^(?:\.|%2e){2}$/i.test(p)) {
        out.pop();
        if (last) out.push('');
      } else if (/^(?:\.|%2e)$/i.test(p)) {
        if (last) out.push('');
      } else out.push(p);
    });
    return '/' + out.join('/');
  };
  it('is what a URL parser makes of what follows each mount rules can see, after the mount, on its deciding text', () => {
    const segment = fc.constantFrom('a', 'B', 'api', '.', '..', '%2e', '%2E%2e', '.%2e', '%2e.', '...', 'x.y', '.a', '');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 12 }), fc.integer({ min: 3, max: 30 }), (segments, deciding) => {
        const path = '/' + segments.join('/');
        const expected: string[] = [];
        const parts = path.split('/');
        for (let i = 2; i < parts.length; i++) {
          const mount = parts.slice(0, i).join('/');
          const rest = '/' + parts.slice(i).join('/');
          // Mounts rules can see, ending in a segment; what follows holds a dot segment, and no host ("//").
          if (mount.length >= deciding || parts[i - 1] === '' || rest.startsWith('//')) continue;
          if (!parts.slice(i).some((p) => /^(?:\.|%2e){1,2}$/i.test(p))) continue;
          expected.push(decidingText(mount + resolved(rest), deciding));
        }
        const actual = mountedReadings(path, deciding).filter((r, i, all) => all.indexOf(r) === i);
        for (const e of expected) expect(actual, `${path} (${deciding})`).toContain(e);
      }),
      { numRuns: 5000 },
    );
  });
  it('reads nothing in a path with no dot segment', () => {
    expect(mountedReadings('/api/v1/items/a.json', 40)).toEqual([]);
  });
  /** Whether `whole` is what a handler mounted at some segment of `path` routes, whole: the mount, then what follows it resolved. */
  const isWholeReading = (path: string, whole: string) => {
    for (let at = path.indexOf('/', 1); at !== -1; at = path.indexOf('/', at + 1)) {
      if (whole === path.slice(0, at) + resolved(path.slice(at))) return true;
    }
    return false;
  };
  it('hands on, for a host drop, only whole paths a mounted handler routes: the mount, then what follows it resolved', () => {
    const segment = fc.constantFrom('a', 'api', '.', '..', '%2e', '', '', 'x.y');
    let handed = 0;
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 14 }), fc.integer({ min: 3, max: 30 }), (segments, deciding) => {
        const path = '/' + segments.join('/');
        const withHost: string[] = [];
        mountedReadings(path, deciding, withHost);
        handed += withHost.length;
        for (const whole of withHost) expect(isWholeReading(path, whole), `${path} (${deciding}): ${whole}`).toBe(true);
      }),
      { numRuns: 5000 },
    );
    expect(handed).toBeGreaterThan(1000);
  });
  it('hands on whole paths of a long path of empty and dot segments as they are (each one string, joined once)', () => {
    const path = '/api' + '//.'.repeat(4_000) + '/x/../y';
    const withHost: string[] = [];
    mountedReadings(path, 64, withHost);
    expect(withHost.length).toBeGreaterThan(10);
    for (const whole of withHost) expect(isWholeReading(path, whole)).toBe(true);
  });
});

describe('the read budget (MAX_READ_BYTES): what one decision may read', () => {
  const three = loadConfig({
    schemes: { sigv4: { region: 'r', service: 's' } },
    routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '/public/*', public: true }, { path: '*' }],
  }).routes;
  const bounded = createRouteTable(three);
  const unbounded = createRouteTable(three, [], { readBytes: Infinity });
  const repeated = (unit: string, length: number) => unit.repeat(Math.floor(length / unit.length));

  it('refuses the slowest refusal known before (0.6 s at 64 KiB) once it has read 2 MiB, at the default 16 KiB limit too', () => {
    // Without the read budget and the bound on readings read again, "names a host too often" refuses it.
    const hostile = (kib: number) => repeated('/\\h//a/./%2F../%u0061;/', kib * 1024);
    const free = createRouteTable(three, [], { readBytes: Infinity, maxRereads: Infinity });
    expect(free.decide('GET', hostile(16))).toMatchObject({ ok: false, error: { message: 'request path names a host too often' } });
    for (const kib of [16, 64]) {
      // Its readings hold ".." beside escapes: more of them than MAX_REREADS must be read again, budget or not.
      expect(unbounded.decide('GET', hostile(kib)), `${kib} KiB`).toEqual(TOO_MANY_READINGS);
      expect(bounded.decide('GET', hostile(kib)), `${kib} KiB`).toEqual(TOO_MANY_READINGS);
    }
    // A short one is read every way and refused as before.
    expect(bounded.decide('GET', hostile(1))).toEqual(unbounded.decide('GET', hostile(1)));
  });

  it('never refuses a path at the default 16 KiB limit for what real paths hold: escapes, dots, "//", ";", an encoded slash', () => {
    // 35 and 16 passes: 128 are allowed at 16 KiB.
    const long = '/public/' + repeated('%E6%96%87%E4%BB%B6/report.v2/./a%20b//', 16 * 1024 - 40) + 'x%2Fy';
    const guarded = '/admin/' + repeated('segment.name/../x;v=1/%41', 16 * 1024 - 20);
    expect(bounded.decide('GET', long)).toEqual(unbounded.decide('GET', long));
    expect(bounded.decide('GET', long)).toMatchObject({ ok: true, public: true });
    expect(bounded.decide('GET', guarded)).toEqual(unbounded.decide('GET', guarded));
    expect(bounded.decide('GET', guarded)).toMatchObject({ ok: true, permissions: ['admin'] });
  });

  it('never refuses what a review found real enough: escaped names, ";params", an escaped slash, dot segments, behind a base path', () => {
    // About 125 passes behind "/v1" (its tails are read again), about 70 without: refused from 8 KiB with a 1 MiB budget.
    const behind = '/v1/public/a%2Fb/./x' + repeated('/My%20Report%20v2.pdf;jsessionid=1', 16 * 1024 - 60);
    const based = (readBytes?: number) => createRouteTable(three, ['/v1'], readBytes === undefined ? {} : { readBytes });
    expect(based().decide('GET', behind, true)).toEqual(based(Infinity).decide('GET', behind, true));
    expect(based().decide('GET', behind, true)).toMatchObject({ ok: true });
    expect(based(1024 * 1024).decide('GET', behind, true)).toEqual(TOO_MANY_READINGS);
    // REST hands names over decoded: raw UTF-8.
    const decoded = '/public/files/a%2Fb//c' + repeated('/résumé.docx;v=1', 16 * 1024 - 40);
    expect(bounded.decide('GET', decoded)).toEqual(unbounded.decide('GET', decoded));
    expect(bounded.decide('GET', decoded)).toMatchObject({ ok: true, public: true });
  });

  it('at the largest limit (64 KiB) reads a path 32 times: escapes and dots pass; with "//", "/./" and an encoded slash too, refused', () => {
    const escaped = '/public/' + repeated('%E6%96%87%E4%BB%B6/report.v2/a%20b/', 64 * 1024 - 40); // 8 passes
    expect(escaped.length).toBeGreaterThan(63 * 1024);
    expect(bounded.decide('GET', escaped)).toEqual(unbounded.decide('GET', escaped));
    expect(bounded.decide('GET', escaped)).toMatchObject({ ok: true, public: true });
    // 35 passes, as at 16 KiB above.
    const mixed = '/public/' + repeated('%E6%96%87%E4%BB%B6/report.v2/./a%20b//', 64 * 1024 - 40) + 'x%2Fy';
    expect(unbounded.decide('GET', mixed)).toMatchObject({ ok: true, public: true });
    expect(bounded.decide('GET', mixed)).toEqual(TOO_MANY_READINGS);
  });

  it('is one budget for the whole decision: the readings of the path, of its other forms and of what a host drop leaves', () => {
    // "//h/admin/./y" is read, and so is "/admin/./y", what a handler that takes "h" for a host is left with.
    const path = '//h/admin/./y';
    const spent = { bytes: 1 << 20 };
    routeReadings(path, spent);
    const alone = (1 << 20) - spent.bytes;
    expect(alone).toBeGreaterThan(0);
    const decision = unbounded.decide('GET', path);
    expect(decision).toMatchObject({ ok: true, permissions: ['admin'] });
    expect(createRouteTable(three, [], { readBytes: alone }).decide('GET', path)).toEqual(TOO_MANY_READINGS);
    expect(createRouteTable(three, [], { readBytes: 4 * alone }).decide('GET', path)).toEqual(decision);
    // Behind base paths, what the apps make of the path is read from the same budget.
    const behind = '/v1/admin/./y';
    const based = (readBytes: number) => createRouteTable(three, ['/v1'], { readBytes }).decide('GET', behind, true);
    const once = { bytes: 1 << 20 };
    routeReadings(behind, once);
    expect(based((1 << 20) - once.bytes)).toEqual(TOO_MANY_READINGS);
    expect(based(Infinity)).toMatchObject({ ok: true, permissions: ['admin'] });
    expect(based(MAX_READ_BYTES)).toEqual(based(Infinity));
  });

  it('decides every short path as an unbounded table does (random hostile spellings, behind base paths or not)', () => {
    const piece = fc.constantFrom(
      '/',
      '//',
      '\\',
      '%2F',
      '%5C',
      '%252F',
      '.',
      '..',
      '%2e',
      ';p',
      '%u0061',
      '％',
      'admin',
      'public',
      'h',
      'v1',
      ' ',
      '%41',
      '@',
    );
    const basedBounded = createRouteTable(three, ['/v1', '/a/b']);
    const basedUnbounded = createRouteTable(three, ['/v1', '/a/b'], { readBytes: Infinity });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), fc.boolean(), fc.boolean(), (parts, behind, tails) => {
        const path = '/' + parts.join('');
        expect(bounded.decide('GET', path, behind, tails)).toEqual(unbounded.decide('GET', path, behind, tails));
        expect(basedBounded.decide('GET', path, behind, tails)).toEqual(basedUnbounded.decide('GET', path, behind, tails));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('readings read again: what one origin hands on, another reads every way', () => {
  const rules = loadConfig({
    schemes: { sigv4: { region: 'r', service: 's' } },
    routes: [
      { path: '/admin/*', permissions: ['admin'] },
      { path: '/api/admin/*', permissions: ['admin'] },
      { path: '/api/x', permissions: ['x'] },
      { path: '/public/*', public: true },
      { path: '*' },
    ],
  }).routes;
  const table = createRouteTable(rules);
  /** Pieces of hostile paths: dots and escapes of every kind, cuts, trims, NFKC. Fullwidth dots aside (see the README). */
  const piece = fc.constantFrom(
    'admin',
    'api',
    'x',
    'public',
    'v1',
    '%2F',
    '%2e%2e',
    '..%2F..',
    '%5C',
    '.',
    '..',
    '',
    '%2e',
    'a;b',
    '..;b',
    ';',
    '\\',
    '%252F',
    '%3B',
    '%25',
    'é',
    'x.',
    '%u002e',
    '%20',
    '..%20',
    '%252e%252e',
    'a.b',
    '...',
    '%3B..',
    '%u002f',
    '\u2024\u2024',
  );
  const paths = fc.array(piece, { minLength: 1, maxLength: 7 }).map((s) => '/' + s.join('/'));
  /** What a decision requires, to compare two: refused, or public, or the permissions a guarded one needs. */
  const needs = (d: ReturnType<typeof table.decide>) =>
    d.ok ? (d.public ? 'public' : `guarded ${[...d.permissions].sort().join(',')}`) : `refused ${d.error.message}`;

  it('judges a path behind a front that normalised it with "%2F" kept as the origin behind that front reads it', () => {
    // Envoy's normalize_path and merge_slashes make /..%2F../admin/x/ of it; an origin that decodes %2F, /admin/x/.
    expect(table.decide('GET', '/..%2F../admin/x/..%2F..//..')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // Normalised, /%5C/%2F/x/admin; decoded, ////x/admin, whose host a URL parser drops: /admin.
    expect(table.decide('GET', '/%5C/%2F/api//%2e%2e/x/admin')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // An escaped ";" beside a "/" is an empty segment once decoded and cut: /%3B/admin/ is /admin/ (helper-65). The
    // path's readings hold /%3B/admin/ (U+2024 is a dot to NFKC; IIS's %u002f stays escaped here).
    expect(table.decide('GET', '/%3B../%u002f/admin/%252e/\u2024\u2024')).toMatchObject({
      ok: true,
      public: false,
      permissions: ['admin'],
    });
    expect(table.decide('GET', '/%3B/admin/')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // Decoded, %23 is a "#": a parser ends the path there, a URL setter escapes it and goes on, so /v1//..//%23/admin
    // is read both ways, and a URL parser then takes %23 for a host: /admin.
    expect(table.decide('GET', '/v1/%2F/%2e%2e/%5C/%23/admin')).toMatchObject({ ok: true, public: false, permissions: ['admin'] });
    // A reading keeps IIS's %u002e as text (escaped again: %25u002e) while NFKC's ".." and a trim make /api/%25u002e/x
    // of it; decoded, that is /api/%u002e/x, which IIS reads as /api/./x: /api/x (a 10-times longer run of the property
    // below found it).
    expect(table.decide('GET', '/api/%u002e/%u002e/\u2024\u2024/x.')).toMatchObject({ ok: true, public: false, permissions: ['x'] });
    // A path whose readings agree is judged as before.
    expect(table.decide('GET', '/public/a%2Fb/../x')).toMatchObject({ ok: true, public: true });
  });

  it('judges a path at least as strictly as each of its readings, and as the path it reports (property)', () => {
    fc.assert(
      fc.property(paths, (path) => {
        const d = table.decide('GET', path);
        if (!d.ok) return;
        const read = routeReadings(path);
        for (const reading of read.ok ? [...read.readings, d.path] : [d.path]) {
          const again = table.decide('GET', reading);
          if (!again.ok || again.public) continue;
          expect(d.public, `${path} public, ${reading} not`).toBe(false);
          for (const p of again.permissions) expect(d.permissions, `${path} without ${p}, which ${reading} needs`).toContain(p);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('decides as reading every reading but a plain one again does: mayReadAnew skips only what cannot change a decision (property)', () => {
    const free = { readBytes: Infinity, maxRereads: Infinity };
    const some = createRouteTable(rules, ['/v1', '/api'], free);
    const every = createRouteTable(rules, ['/v1', '/api'], { ...free, rereadAll: true });
    fc.assert(
      fc.property(paths, fc.boolean(), (path, behind) => {
        expect(needs(some.decide('GET', path, behind)), path).toBe(needs(every.decide('GET', path, behind)));
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses a path that needs more than 32 of its readings read again (a short one of every spelling)', () => {
    expect(table.decide('GET', '/api/a%2F..;p=1/%5Cb%252F/./c\\d/%2e%2E;x/')).toEqual(TOO_MANY_READINGS);
    // Without the bound it is read: guarded (what the bound refuses, it refuses closed).
    const free = createRouteTable(rules, [], { maxRereads: Infinity });
    expect(free.decide('GET', '/api/a%2F..;p=1/%5Cb%252F/./c\\d/%2e%2E;x/')).toMatchObject({ ok: true, public: false });
  });
});
