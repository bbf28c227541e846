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
