import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRoutePath, routeReadings, routeReadingsExhaustive } from './route-path.ts';

const readings = (p: string) => {
  const r = routeReadings(p);
  return r.ok ? r.readings : r.reason;
};

describe('routeReadings', () => {
  it.each([
    // [raw, plain normalisation, every reading]
    ['/admin/users', '/admin/users', ['/admin/users']],
    // A URL keeps the empty segment (WHATWG, Rust's url crate); slashes merged, it is gone.
    ['//admin/users', '/admin/users', ['/admin/users', '//admin/users']],
    ['/x//../admin', '/admin', ['/admin', '/x/../admin', '/x/admin', '/x//../admin']],
    ['/a/./b/../admin/users', '/a/admin/users', ['/a/admin/users', '/a/./b/../admin/users']],
    ['/%61dmin/users', '/admin/users', ['/admin/users']],
    ['/./admin/users', '/admin/users', ['/admin/users', '/./admin/users']],
    ['/public/%2e%2E/admin/users', '/admin/users', ['/admin/users', '/public/../admin/users']],
    ['/public/.%2e/admin/users', '/admin/users', ['/admin/users', '/public/../admin/users']],
    // A router that matches text keeps the dots: the strictest reading includes /admin.
    ['/admin/../public/x', '/public/x', ['/public/x', '/admin/../public/x']],
    ['/admin%2Fusers', '/admin%2Fusers', ['/admin%2Fusers', '/admin/users']],
    ['/admin%2fusers', '/admin%2Fusers', ['/admin%2Fusers', '/admin/users']],
    ['/admin%5Cusers', '/admin%5Cusers', ['/admin%5Cusers', '/admin/users']],
    ['/admin\\users', '/admin%5Cusers', ['/admin%5Cusers', '/admin/users']],
    ['/admin;x/users', '/admin;x/users', ['/admin;x/users', '/admin/users']],
    ['/public/..%2Fadmin/users', '/public/..%2Fadmin/users', ['/public/..%2Fadmin/users', '/admin/users', '/public/../admin/users']],
    ['/public/..;/admin/users', '/public/..;/admin/users', ['/public/..;/admin/users', '/admin/users', '/public/../admin/users']],
    [
      '/public/..%252Fadmin/users',
      '/public/..%252Fadmin/users',
      ['/public/..%252Fadmin/users', '/public/..%2Fadmin/users', '/admin/users', '/public/../admin/users'],
    ],
    // WSGI/ASGI servers decode %2F and keep the dots: for them this is under /admin.
    ['/admin%2F..%2Fitems', '/admin%2F..%2Fitems', ['/admin%2F..%2Fitems', '/items', '/admin/../items']],
    ['/admin::$INDEX_ALLOCATION/x', '/admin::$INDEX_ALLOCATION/x', ['/admin::$INDEX_ALLOCATION/x', '/admin/x']],
    // Tomcat decoding encoded slashes cuts ;params first: /public/..%2Fadmin is /admin.
    [
      '/public/..%2Fadmin;%2F..',
      '/public/..%2Fadmin;%2F..',
      ['/public/..%2Fadmin;%2F..', '/', '/public/..%2Fadmin', '/public/../admin;/..', '/public/../admin/..', '/admin'],
    ],
    ['/files/a%20b/%E2%9C%93', '/files/a b/✓', ['/files/a b/✓']],
    ['/items/', '/items/', ['/items/']],
    ['/items/..', '/', ['/', '/items/..']],
    ['/../../etc', '/etc', ['/etc', '/../../etc']],
    // IIS, NTFS and NFKC origins.
    // ... trimming before dot segments are resolved, and (IIS's order) after: ".. " is then a name, ".." once trimmed.
    ['/public/..%20/admin/x', '/public/.. /admin/x', ['/public/.. /admin/x', '/admin/x', '/public/../admin/x']],
    ['/admin%20/%20/..', '/admin /', ['/admin /', '/admin / /..', '/', '/admin/']],
    ['/admin./.../..', '/admin./', ['/admin./', '/admin./.../..', '/', '/admin/']],
    ['/public/..%u002fadmin/x', '/public/..%25u002fadmin/x', ['/public/..%25u002fadmin/x', '/admin/x']],
    ['/public/..%EF%BC%8Fadmin/x', '/public/..／admin/x', ['/public/..／admin/x', '/admin/x']],
    // IIS's %uXXXX in UTF-8 of one, two and three bytes; a lone surrogate as U+FFFD; a fullwidth solidus is a "/".
    ['/a%u0062c', '/a%25u0062c', ['/a%25u0062c', '/abc']],
    ['/a%u00e9b', '/a%25u00e9b', ['/a%25u00e9b', '/aéb']],
    ['/a%u65E5b', '/a%25u65E5b', ['/a%25u65E5b', '/a日b']],
    ['/a%uD83D%uDE00b', '/a%25uD83D%25uDE00b', ['/a%25uD83D%25uDE00b', '/a\uFFFD\uFFFDb']],
    ['/x%uFF0Fadmin', '/x%25uFF0Fadmin', ['/x%25uFF0Fadmin', '/x/admin']],
    ['/admin./users', '/admin./users', ['/admin./users', '/admin/users']],
    ['/a%3Fb%23c', '/a%3Fb%23c', ['/a%3Fb%23c', '/a']],
    ['/100%', '/100%25', ['/100%25']],
  ])('%s', (raw, plain, all) => {
    const r = routeReadings(raw);
    expect(r).toEqual({ ok: true, path: plain, readings: all });
  });

  it.each([
    ['/a%00b', 'control-character'],
    ['/a%0ab', 'control-character'],
    ['/a%7Fb', 'control-character'],
    ['/a\tb', 'control-character'],
    ['/a%2500b', 'control-character'],
    ['/a%u007fb', 'control-character'],
    ['/a%FFb', 'invalid-utf8'],
    ['/%C0%AFadmin', 'invalid-utf8'],
    ['admin', 'not-absolute'],
    ['', 'not-absolute'],
  ])('refuses %j (%s)', (raw, reason) => {
    expect(readings(raw)).toBe(reason);
  });

  const segment = fc.stringMatching(/^[a-z0-9.;%\\/A-F]{0,12}$/);
  it('every reading is absolute, with an empty segment only when the path has one, and "." or ".." only where dots are kept as text', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segs) => {
        const raw = '/' + segs.join('/');
        const r = routeReadings(raw);
        if (!r.ok) return;
        for (const p of r.readings) {
          expect(p.startsWith('/')).toBe(true);
          const parts = p.split('/').slice(1);
          parts.forEach((s, i) => {
            // An empty segment: "//", or one that "\\", %2F or %5C read as "/" make.
            if (i < parts.length - 1 && !raw.includes('//') && !/\\|%2f|%5c/i.test(raw)) expect(s).not.toBe('');
          });
        }
        // Merged slashes: the first reading has no empty segment.
        expect(r.path.split('/').slice(1, -1)).not.toContain('');
        // The first reading (the plain normalisation) resolves every dot segment.
        expect(r.path.split('/')).not.toContain('.');
        expect(r.path.split('/')).not.toContain('..');
      }),
      { numRuns: 2000 },
    );
  });

  it('is a fixed point: a reading read again gives itself among its readings', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segs) => {
        const r = routeReadings('/' + segs.join('/'));
        if (!r.ok) return;
        const again = routeReadings(r.path);
        expect(again.ok && again.path).toBe(r.path);
      }),
      { numRuns: 2000 },
    );
  });

  it('an escaped unreserved character reads exactly as the character itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(\/[A-Za-z0-9._~-]{1,8}){1,4}$/), fc.nat(), (path, at) => {
        const i = 1 + (at % (path.length - 1));
        if (path[i] === '/') return;
        const escaped = path.slice(0, i) + '%' + path.charCodeAt(i).toString(16).padStart(2, '0') + path.slice(i + 1);
        expect(readings(escaped)).toEqual(readings(path));
      }),
      { numRuns: 2000 },
    );
  });

  it('normalizeRoutePath gives the plain reading of patterns', () => {
    expect(normalizeRoutePath('/admin//%7Eroot/*')).toBe('/admin/~root/*');
    expect(normalizeRoutePath('*')).toBe('*');
  });
});

describe('routeReadings skips only what cannot matter', () => {
  it('gives the same readings as reading every option, for hostile paths', () => {
    const piece = fc.constantFrom(
      '%u002f',
      '::$DATA',
      'a:$x',
      '%U002E',
      '%u',
      ' ',
      '%20',
      '／',
      'É',
      '%C3%89',
      '%',
      '%2',
      '%25',
      '%2F',
      '%2f',
      '%5C',
      '%3B',
      '%3b',
      '2F',
      '5c',
      '3B',
      'F',
      ';',
      '\\',
      '/',
      '.',
      '..',
      'a',
      '%2e',
      '%32',
      '%46',
      '%33',
      '%35',
      '%43',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (parts) => {
        const path = '/' + parts.join('');
        const fast = routeReadings(path);
        const full = routeReadingsExhaustive(path);
        if (!full.ok) expect(fast).toEqual(full);
        else expect(fast.ok && new Set(fast.readings)).toEqual(new Set(full.readings));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('routeReadings within a read budget', () => {
  it('charges the path length for each pass it reads, and reads the same as without one', () => {
    for (const path of ['/a/./b', '/a%2Fb;c/..', '/x//y\\z/%2e%2E/%u0061', '/plain/path']) {
      const free = routeReadings(path);
      const budget = { bytes: 1 << 20 };
      expect(routeReadings(path, budget)).toEqual(free);
      const passes = (1 << 20) - budget.bytes;
      // A plain path is not read at all; any other, once per pass, each pass its UTF-8 length.
      expect(passes % new TextEncoder().encode(path).length).toBe(0);
      if (path === '/plain/path') expect(passes).toBe(0);
      else expect(passes).toBeGreaterThan(0);
    }
  });
  it('refuses a path before the pass that would overdraw the budget, and leaves what it could not spend', () => {
    const path = '/a%2F..;p=1/%5Cb%252F/./c\\d/%2e%2E;x/';
    const all = { bytes: 1 << 20 };
    const read = routeReadings(path, all);
    expect(read.ok).toBe(true);
    const needed = (1 << 20) - all.bytes;
    // Exactly enough: read as without a budget, nothing left.
    const exact = { bytes: needed };
    expect(routeReadings(path, exact)).toEqual(read);
    expect(exact.bytes).toBe(0);
    // One byte short: the last pass is not read.
    const short = { bytes: needed - 1 };
    expect(routeReadings(path, short)).toEqual({ ok: false, reason: 'too-many-readings' });
    expect(short.bytes).toBe(path.length - 1);
    // Nothing to spend: nothing read.
    const none = { bytes: 0 };
    expect(routeReadings(path, none)).toEqual({ ok: false, reason: 'too-many-readings' });
    expect(none.bytes).toBe(0);
  });
  it('charges UTF-8 bytes, not UTF-16 code units', () => {
    const path = '/é/./x'; // 6 code units, 7 bytes
    const budget = { bytes: 1 << 20 };
    const read = routeReadings(path, budget);
    const spent = (1 << 20) - budget.bytes;
    expect(spent % 7).toBe(0);
    expect(routeReadings(path, { bytes: spent })).toEqual(read);
    // One short: the last pass, which needs 7, finds 6.
    const short = { bytes: spent - 1 };
    expect(routeReadings(path, short)).toEqual({ ok: false, reason: 'too-many-readings' });
    expect(short.bytes).toBe(6);
  });
});
