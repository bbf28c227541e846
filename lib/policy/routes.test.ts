import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { createRouteTable, foldCase, foldCaseFull, matchesPattern, strictestOf } from './routes.ts';

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
  ])('%s ~ %s: %s', (pattern, path, expected) => {
    expect(matchesPattern(pattern, path)).toBe(expected);
  });
});

describe('route decisions', () => {
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
