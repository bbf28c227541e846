import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, keyRecords, loadConfig, parseJsonSafe } from './load.ts';

const valid = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  keys: [{ id: 'AKID1', secret: 'secret-secret', principal: 'p' }],
};

function issuesOf(doc: unknown): readonly string[] {
  try {
    loadConfig(doc);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig(valid);
    expect(c.schemes.sigv4).toMatchObject({
      algorithms: ['AWS4-HMAC-SHA256'],
      profile: 'aws',
      clockSkewSeconds: 900,
      allowPresigned: true,
      maxPresignExpiresSeconds: 604800,
    });
    expect(c.routes).toEqual([{ path: '*', methods: ['*'], public: false, permissions: [], verifyInFunction: false }]);
    expect(c.limits).toMatchObject({ maxBodyBytes: 1048576 });
    expect(keyRecords(c)).toEqual([expect.objectContaining({ id: 'AKID1', secrets: ['secret-secret'], permissions: [], principal: 'p' })]);
  });
  it('says a missing required member is required, naming it', () => {
    expect(issuesOf({ schemes: { sigv4: { service: 'execute-api' } }, keys: [] })).toContain('schemes.sigv4.region: is required');
  });

  it('accepts JSON text too', () => {
    expect(loadConfig(JSON.stringify(valid)).keys).toHaveLength(1);
  });
  it.each([
    ['a short secret', { ...valid, keys: [{ id: 'AKID1', secret: 'short', principal: 'p' }] }, 'keys[0].secret'],
    ['an unknown top-level field', { ...valid, extra: 1 }, 'extra'],
    ['a region with a space', { ...valid, schemes: { sigv4: { region: 'us east', service: 'x' } } }, 'schemes.sigv4.region'],
    [
      'an unknown algorithm',
      { ...valid, schemes: { sigv4: { region: 'r', service: 's', algorithms: ['HMAC-MD5'] } } },
      'schemes.sigv4.algorithms[0]',
    ],
    [
      'presign expiry over 7 days',
      { ...valid, schemes: { sigv4: { region: 'r', service: 's', maxPresignExpiresSeconds: 604801 } } },
      'schemes.sigv4.maxPresignExpiresSeconds',
    ],
    ['a duplicate key id', { ...valid, keys: [valid.keys[0], valid.keys[0]] }, 'keys[1].id'],
    [
      'both secret and secrets',
      { ...valid, keys: [{ id: 'A', secret: 'secret-secret', secrets: ['secret-secret'], principal: 'p' }] },
      'keys[0]',
    ],
    ['neither secret nor secrets', { ...valid, keys: [{ id: 'A', principal: 'p' }] }, 'keys[0]'],
    ['a key id with a space', { ...valid, keys: [{ id: 'A B', secret: 'secret-secret', principal: 'p' }] }, 'keys[0].id'],
    ['a bad route pattern', { ...valid, routes: [{ path: 'no-slash' }] }, 'routes[0].path'],
    ['no scheme at all', { schemes: {} }, 'schemes'],
  ])('names the field for %s', (_label, doc, field) => {
    const issues = issuesOf(doc);
    expect(issues.some((i) => i.startsWith(field))).toBe(true);
  });
  it('refuses text that is not JSON', () => {
    expect(issuesOf('{nope')[0]).toMatch(/not valid JSON/);
  });
});

describe('issues never quote the document', () => {
  // Distinctive values that must never show up in an issue or a message.
  const SECRET = 'PROD-SECRET-7c1e9a42d0';
  const NUMBER = 12345678901234568;
  const key = (over: Record<string, unknown>) => ({ ...valid, keys: [{ id: 'AKID1', secret: 'secret-secret', principal: 'p', ...over }] });

  function messagesOf(doc: unknown): string {
    try {
      loadConfig(doc);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return JSON.stringify([e.message, e.issues]);
    }
    throw new Error('expected a ConfigError');
  }

  it.each([
    ['a secret that is a number', key({ secret: NUMBER }), 'keys[0].secret: expected a string, got a number'],
    ['a secret too short', key({ secret: SECRET.slice(0, 7) }), 'keys[0].secret: must be at least 8 characters'],
    ['secrets given as one string', key({ secret: undefined, secrets: SECRET }), 'keys[0].secrets: expected an array, got a string'],
    [
      'a secrets entry that is a number',
      key({ secret: undefined, secrets: ['secret-secret', NUMBER] }),
      'keys[0].secrets[1]: expected a string',
    ],
    [
      'a session token that is an object',
      key({ sessionToken: { token: SECRET } }),
      'keys[0].sessionToken: expected a string, got an object',
    ],
    ['a secret in an unknown field', key({ password: SECRET }), 'keys[0].password: unknown field'],
    ['a secret as the profile', { ...valid, schemes: { sigv4: { region: 'r', service: 's', profile: SECRET } } }, 'schemes.sigv4.profile'],
    ['a secret as the region', { ...valid, schemes: { sigv4: { region: `${SECRET} x`, service: 's' } } }, 'schemes.sigv4.region'],
    ['a number over a maximum', { ...valid, limits: { maxBodyBytes: NUMBER } }, 'limits.maxBodyBytes: must be at most'],
    ['a secret as a permission list', key({ permissions: SECRET }), 'keys[0].permissions: expected an array'],
    ['a secret as notBefore', key({ notBefore: SECRET }), 'keys[0].notBefore: expected a number, got a string'],
    ['a secret as the keys list', { ...valid, keys: SECRET }, 'keys: expected an array, got a string'],
    ['a secret as the whole document', SECRET, '(document): not valid JSON'],
  ])('%s', (_label, doc, expected) => {
    const text = messagesOf(doc);
    expect(text).toContain(expected);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET.slice(0, 10));
    expect(text).not.toContain(String(NUMBER));
  });

  // [label, text, what, the text from where the problem is reported (its line and column are computed)]
  it.each([
    ['an unquoted secret', `{"keys":[{"id":"a","secret":${SECRET},"principal":"p"}]}`, 'expected a value', SECRET],
    ['a raw newline inside a secret', `{"keys":[{"secret":"${SECRET}\n-2"}]}`, 'control character in a string (escape it)', '\n-2'],
    ['a secret string never closed', `{\n  "keys": [{"id": "a", "secret": "${SECRET}`, 'unterminated string', `"${SECRET}`],
    ['a bad escape inside a secret', `{"secret":"${SECRET}\\x41"}`, 'invalid escape in a string', '\\x41'],
    ['a missing comma after a secret', `{"secret":"${SECRET}"\n "principal":"p"}`, 'expected "," or "}"', '"principal"'],
    ['text after the document', `{}\n\n  ${SECRET}`, 'unexpected content after the JSON value', SECRET],
  ])('JSON syntax: %s gives a line and column, not the text', (_label, text, what, from) => {
    const offset = text.indexOf(from);
    const before = text.slice(0, offset).split('\n');
    const issues = issuesOf(text);
    expect(issues).toEqual([`(document): not valid JSON: ${what} at line ${before.length}, column ${before.at(-1)!.length + 1}`]);
    expect(JSON.stringify(issues)).not.toContain(SECRET.slice(0, 6));
  });

  it('holds for a secret put anywhere in a configuration, as any JSON type (property)', () => {
    const base = {
      schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', profile: 'aws', clockSkewSeconds: 900 } },
      routes: [{ path: '/health', methods: ['GET'], public: true, permissions: ['a:b'] }, { path: '*' }],
      limits: { maxBodyBytes: 1024 },
      keys: [
        { id: 'AKID1', secret: 'secret-secret-1', principal: 'p', permissions: ['x'], sessionToken: 'token-token' },
        { id: 'AKID2', secrets: ['secret-secret-2', 'secret-secret-3'], principal: 'q', notBefore: 1 },
      ],
    };
    // Every path to a leaf of `base`, so the secret lands where a real value sits.
    const leaves: Array<Array<string | number>> = [];
    const walk = (node: unknown, path: Array<string | number>) => {
      if (node !== null && typeof node === 'object') {
        for (const [k, child] of Object.entries(node)) walk(child, [...path, Array.isArray(node) ? Number(k) : k]);
      } else leaves.push(path);
    };
    walk(base, []);
    const secret = fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,30}$/).map((s) => `ZQXJ${s}`);
    const valueWith = fc.oneof(
      secret,
      secret.map((s) => s.slice(0, 7)),
      secret.map((s) => [s]),
      secret.map((s) => ({ v: s })),
      secret.map((s) => `${s} ${s}`),
      fc.constant(8765432109876543),
      fc.constant(-1.5e300),
    );
    fc.assert(
      fc.property(fc.constantFrom(...leaves), valueWith, fc.boolean(), (path, value, asText) => {
        const doc = structuredClone(base) as Record<string | number, unknown>;
        let node = doc;
        for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
        node[path.at(-1)!] = value;
        let text: string;
        try {
          loadConfig(asText ? JSON.stringify(doc) : doc);
          return; // some values are valid where they land (a long string as a principal)
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          text = JSON.stringify([e.message, e.issues]);
        }
        expect(text).not.toMatch(/ZQXJ|8765432109876543|1\.5e\+300/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('one secret, one key', () => {
  const k = (id: string, over: Record<string, unknown>) => ({ id, principal: 'p', ...over });
  it.each([
    [
      'two keys with one secret',
      [k('A', { secret: 'shared-secret-1' }), k('B', { secret: 'other-secret-1' }), k('C', { secret: 'shared-secret-1' })],
      ['keys[2].secret: the same secret as keys[0].secret'],
    ],
    [
      'a secret in one key and a rotation list of another',
      [k('A', { secrets: ['new-secret-0001', 'old-secret-0001'] }), k('B', { secret: 'old-secret-0001' })],
      ['keys[1].secret: the same secret as keys[0].secrets[1]'],
    ],
    [
      'two rotation lists sharing a secret',
      [
        k('A', { secret: 'lone-secret-0001' }),
        k('B', { secrets: ['b-secret-00001', 'shared-secret-2'] }),
        k('C', { secrets: ['shared-secret-2'] }),
      ],
      ['keys[2].secrets[0]: the same secret as keys[1].secrets[1]'],
    ],
  ])('refuses %s, naming both places and never the secret', (_label, keys, expected) => {
    const issues = issuesOf({ ...valid, keys });
    expect(issues.map((i) => i.replace(/ \(.*\)$/, ''))).toEqual(expected);
    expect(JSON.stringify(issues)).not.toMatch(/shared-secret|old-secret/);
  });
  it('allows a secret repeated within one key and distinct secrets across keys', () => {
    const keys = [k('A', { secrets: ['same-secret-001', 'same-secret-001'] }), k('B', { secret: 'b-secret-000001' })];
    expect(loadConfig({ ...valid, keys }).keys).toHaveLength(2);
  });
});

describe('route rules that would guard less than they say', () => {
  const withRoutes = (routes: unknown[]) => () => loadConfig({ schemes: { sigv4: { region: 'r', service: 's' } }, routes });
  it.each([
    [[{ path: '/admin/*', methods: [], permissions: ['admin'] }], 'routes[0].methods: must name at least one method (or "*")'],
    [[{ path: '/admin/*', public: true, permissions: ['admin'] }], 'routes[0].permissions: a public route checks no permissions'],
    [[{ path: '/upload', public: true, verifyInFunction: true }], 'routes[0].verifyInFunction: a public route verifies nothing'],
    // An exception written after the general rule is never consulted (first match wins): /public/secret would be public.
    [[{ path: '/public/*', public: true }, { path: '/public/secret' }], 'routes[1]: never reached: routes[0] comes first'],
    [[{ path: '*' }, { path: '/admin/*', permissions: ['admin'] }], 'routes[1]: never reached: routes[0] comes first'],
    [[{ path: '/admin/*' }, { path: '/admin', permissions: ['admin'] }], 'routes[1]: never reached'],
    [[{ path: '/admin*' }, { path: '/admin/x/*', permissions: ['admin'] }], 'routes[1]: never reached'],
    [
      [
        { path: '/a', methods: ['GET'] },
        { path: '/a/', methods: ['HEAD'], permissions: ['x'] },
      ],
      'routes[1]: never reached',
    ],
    [[{ path: '/a/*' }, { path: '/a/%62/*', permissions: ['x'] }], 'routes[1]: never reached'],
    // Hidden method by method, by several earlier rules.
    [
      [
        { path: '/public/*', methods: ['GET'], public: true },
        { path: '/public/*', methods: ['POST'], public: true },
        { path: '/public/secret', methods: ['GET', 'POST'] },
      ],
      'routes[2]: never reached: routes[0] comes first',
    ],
    // A method it names is taken by an earlier rule that asks less.
    [
      [
        { path: '/public/*', methods: ['GET'], public: true },
        { path: '/public/secret', methods: ['GET', 'DELETE'], permissions: ['x'] },
      ],
      'routes[1].methods: GET never reaches this rule: routes[0] comes first and guards less',
    ],
    [
      [
        { path: '/reports/*', methods: ['GET'], permissions: ['read'] },
        { path: '/reports/x', methods: ['GET', 'POST'], permissions: ['read', 'audit'] },
      ],
      'routes[1].methods: GET never reaches this rule',
    ],
  ])('refuses %j', (routes, message) => {
    expect(withRoutes(routes)).toThrow(message);
  });
  it.each([
    // Partly overlapping rules: the later one is still reached for some requests.
    [
      { path: '/admin/*', methods: ['GET'] },
      { path: '/admin/*', methods: ['DELETE'], permissions: ['admin'] },
    ],
    [{ path: '/admin/users' }, { path: '/admin/*', permissions: ['admin'] }],
    [{ path: '/adm/*' }, { path: '/adm*', permissions: ['admin'] }],
    [
      { path: '/a/*', methods: ['GET'] },
      { path: '/a/b', methods: ['*'] },
    ],
    [{ path: '/a/b/*' }, { path: '/a/*' }],
    // GET public, every other method guarded: the later rule is meant for what the first leaves.
    [
      { path: '/status', methods: ['GET'], public: true },
      { path: '/status', permissions: ['ops'] },
    ],
    // A method taken by an earlier rule that asks as much.
    [
      { path: '/admin/*', methods: ['GET'], permissions: ['admin'] },
      { path: '/admin/x', methods: ['GET', 'DELETE'], permissions: ['admin'] },
    ],
  ])('accepts %j then %j', (first, second) => {
    expect(withRoutes([first, second])).not.toThrow();
  });
});

describe('prototype-safe JSON', () => {
  it.each(['{"__proto__":{"polluted":1}}', '{"a":{"constructor":{"prototype":{"polluted":1}}}}', '{"schemes":{"__proto__":{"x":1}}}'])(
    'refuses %s',
    (text) => {
      expect(() => parseJsonSafe(text)).toThrow(/forbidden key/);
      expect(() => loadConfig(text)).toThrow(ConfigError);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    },
  );
});

describe('keyStores', () => {
  const sm = { type: 'secrets-manager', schemes: ['sigv4'], prefix: 'edge-auth/keys/' };

  it('fills in defaults for a store', () => {
    const c = loadConfig({ schemes: valid.schemes, keyStores: [sm] });
    expect(c.keyStores).toEqual([{ ...sm, pending: true, timeoutMs: 2000, maxAttempts: 2, cache: {}, hydrate: false }]);
    expect(c.keys).toEqual([]);
  });

  it.each([
    ['a scheme that is not configured', [{ ...sm, schemes: ['sigv4'] }], { sigv4: undefined }, 'keyStores[0].schemes[0]'],
    [
      'a scheme served twice',
      [sm, { type: 'workers-kv', schemes: ['sigv4'], binding: 'KEYS' }],
      {},
      'keyStores[1].schemes[0]: scheme "sigv4" is already served by keyStores[0]',
    ],
    ['prefix and bundle', [{ ...sm, bundle: 'all' }], {}, 'a secrets-manager store needs exactly one of "prefix" or "bundle"'],
    [
      'neither prefix nor bundle',
      [{ type: 'secrets-manager', schemes: ['sigv4'] }],
      {},
      'a secrets-manager store needs exactly one of "prefix" or "bundle"',
    ],
    ['an unknown store type', [{ type: 'vault', schemes: ['sigv4'] }], {}, 'keyStores[0].type'],
    ['a bad binding name', [{ type: 'workers-kv', schemes: ['sigv4'], binding: 'my-keys' }], {}, 'keyStores[0].binding'],
    [
      'a KV cacheTtl under KV minimum',
      [{ type: 'workers-kv', schemes: ['sigv4'], binding: 'KEYS', cacheTtlSeconds: 10 }],
      {},
      'keyStores[0].cacheTtlSeconds',
    ],
    ['a zero cache TTL', [{ ...sm, cache: { ttlSeconds: 0 } }], {}, 'keyStores[0].cache.ttlSeconds'],
    ['an unknown cache option', [{ ...sm, cache: { ttl: 5 } }], {}, 'keyStores[0].cache.ttl: unknown field'],
  ])('refuses %s', (_label, keyStores, schemes, expected) => {
    const doc = { schemes: { ...valid.schemes, ...schemes }, keyStores };
    expect(issuesOf(doc).join('\n')).toContain(expected);
  });

  it('refuses inline keys for a scheme a store serves', () => {
    expect(issuesOf({ schemes: valid.schemes, keyStores: [sm], keys: [{ ...valid.keys[0], scheme: 'sigv4' }] })).toContain(
      'keys[0].scheme: scheme "sigv4" takes its keys from keyStores[0], not from keys[]',
    );
  });

  it('reads keys[] with the key-record parser (public keys too)', () => {
    const c = loadConfig({ ...valid, keys: [{ id: 'A', secrets: ['secret-one', 'secret-two'], principal: 'p', $comment: 'rotating' }] });
    expect(keyRecords(c)).toEqual([{ id: 'A', secrets: ['secret-one', 'secret-two'], principal: 'p', permissions: [] }]);
    expect(issuesOf({ ...valid, keys: [{ id: 'A', principal: 'p', publicKey: 'not a pem' }] }).join()).toContain(
      'keys[0].publicKey: must be PEM text',
    );
  });
});
