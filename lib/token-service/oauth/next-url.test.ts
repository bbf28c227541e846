import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkNextUrl, MAX_NEXT_URL_LENGTH, parseAllowedOrigins, withError, withJwt } from './next-url.ts';

const allowed = parseAllowedOrigins(['https://good.example', 'http://localhost:3000', 'https://App.Example:443']);

describe('parseAllowedOrigins', () => {
  it('normalises origins the WHATWG way and drops duplicates', () => {
    expect(allowed).toEqual(['https://good.example', 'http://localhost:3000', 'https://app.example']);
    expect(parseAllowedOrigins(['https://a.example', 'https://A.example'])).toEqual(['https://a.example']);
    expect(Object.isFrozen(allowed)).toBe(true);
  });

  it.each([
    'https://good.example/',
    'https://good.example/path',
    'https://good.example?x=1',
    'https://good.example#f',
    'https://user@good.example',
    'ftp://good.example',
    'javascript:alert(1)',
    'good.example',
    '//good.example',
    ' https://good.example',
    'https://good.example ',
    'https://',
    'https://good.example:99999',
    'HTTPS://good.example',
  ])('refuses %j, naming the index and not the value', (bad) => {
    expect(() => parseAllowedOrigins(['https://ok.example', bad])).toThrow(TypeError);
    try {
      parseAllowedOrigins(['https://ok.example', bad]);
    } catch (e) {
      expect((e as Error).message).toContain('index 1');
      if (bad.length > 6) expect((e as Error).message).not.toContain(bad.trim());
    }
  });

  it('refuses a non-string entry', () => {
    expect(() => parseAllowedOrigins([42 as unknown as string])).toThrow(/index 0/);
  });
});

describe('checkNextUrl', () => {
  it('accepts absolute URLs on an allowed origin and answers the normalised URL', () => {
    expect(checkNextUrl('https://good.example/a/b?c=d#e', allowed)).toEqual({ ok: true, url: 'https://good.example/a/b?c=d#e' });
    expect(checkNextUrl('https://good.example', allowed)).toEqual({ ok: true, url: 'https://good.example/' });
    expect(checkNextUrl('https://GOOD.example:443/x', allowed)).toEqual({ ok: true, url: 'https://good.example/x' });
    expect(checkNextUrl('http://localhost:3000/cb', allowed)).toEqual({ ok: true, url: 'http://localhost:3000/cb' });
    expect(checkNextUrl('https://app.example/', allowed)).toMatchObject({ ok: true });
  });

  it('bounds the URL it answers, not only the text it was given: serialising can triple it', () => {
    const raw = `https://good.example/${'"'.repeat(1000)}`;
    expect(raw.length).toBeLessThanOrEqual(MAX_NEXT_URL_LENGTH);
    expect(checkNextUrl(raw, allowed)).toEqual({ ok: false, reason: 'too-long' });
    const fits = `https://good.example/${'"'.repeat(600)}`;
    expect(checkNextUrl(fits, allowed)).toMatchObject({ ok: true });
  });

  // Open-redirect attempts (and other things that must never pass).
  const attempts: readonly (string | null | undefined)[] = [
    null,
    undefined,
    '',
    '/',
    '/local/path',
    'relative',
    '//evil.example',
    '///evil.example',
    '\\\\evil.example',
    '/\\evil.example',
    '\\/evil.example',
    'https:\\\\evil.example',
    'https://good.example\\@evil.example',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'java\tscript:alert(1)',
    ' javascript:alert(1)',
    '\u0000javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'HTTPS://good.example/',
    'Https://good.example/',
    ' https://good.example/',
    'https://good.example/\n',
    'ht\ttps://good.example/',
    'https://good.example@evil.example',
    'https://good.example:pw@evil.example/',
    'https://user@good.example/',
    'https://evil.example',
    'https://evil.example/https://good.example',
    'https://good.example.evil.example/',
    'https://evilgood.example/',
    'https://evil.example#https://good.example',
    'https://evil.example?https://good.example',
    'http://good.example/',
    'https://good.example:8443/',
    'https://localhost:3000/',
    'http://localhost:3001/',
    '%2F%2Fevil.example',
    'https:%2F%2Fevil.example',
    'https%3A%2F%2Fevil.example',
    'https:/evil.example',
    'https:evil.example',
    'https://evil%2Eexample/',
    'https://good.example%2F@evil.example/',
    'https://good.example%40evil.example/',
    'https://ｇｏｏｄ.example.evil.example/',
    'https://good.example\u3002evil.example/',
    'https://good.example\u00a0/',
    'https://good.example\u2028/',
    'ftp://good.example/',
    'blob:https://good.example/uuid',
    'https://[::1]/',
    `https://good.example/${'a'.repeat(MAX_NEXT_URL_LENGTH)}`,
  ];

  it.each(attempts.map((a) => [a]))('refuses %j', (attempt) => {
    const r = checkNextUrl(attempt, allowed);
    expect(r.ok).toBe(false);
    if (!r.ok && typeof attempt === 'string' && attempt.length > 3) expect(r.reason).not.toContain(attempt);
  });

  it('has at least 25 open-redirect attempts in its table', () => {
    expect(attempts.length).toBeGreaterThanOrEqual(25);
  });

  it('property: whatever the input, ok means the answer parses to an allowed origin and carries no userinfo', () => {
    const pieces = fc.constantFrom(
      'https://',
      'http://',
      'good.example',
      'evil.example',
      'localhost:3000',
      '@',
      ':',
      '/',
      '\\',
      '%2F',
      '%40',
      '#',
      '?',
      '.',
      '\t',
      ' ',
      'HTTPS:',
      'javascript:',
      '//',
      'app.example',
    );
    const candidates = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.array(pieces, { maxLength: 8 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(candidates, (raw) => {
        const r = checkNextUrl(raw, allowed);
        if (!r.ok) return true;
        const u = new URL(r.url);
        return (
          allowed.includes(u.origin) && u.username === '' && u.password === '' && r.url === u.href && r.url.length <= MAX_NEXT_URL_LENGTH
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('property: any path, query and fragment on an allowed origin passes and keeps that origin', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allowed), fc.webPath(), fc.webQueryParameters(), fc.webFragments(), (origin, path, q, f) => {
        const r = checkNextUrl(`${origin}${path}?${q}#${f}`, allowed);
        return r.ok && new URL(r.url).origin === origin;
      }),
    );
  });
});

describe('withJwt / withError', () => {
  it('adds jwt, keeping other parameters (repeated ones too) and the fragment', () => {
    expect(withJwt('https://good.example/p?a=1&b=2&a=3#frag', 'T.K.N')).toBe('https://good.example/p?a=1&b=2&a=3&jwt=T.K.N#frag');
    expect(withJwt('https://good.example/', 'tok')).toBe('https://good.example/?jwt=tok');
  });

  it('replaces an existing jwt (every copy) rather than adding a second', () => {
    const out = new URL(withJwt('https://good.example/?jwt=old&x=1&jwt=older', 'new'));
    expect(out.searchParams.getAll('jwt')).toEqual(['new']);
    expect(out.searchParams.get('x')).toBe('1');
  });

  it('adds error=<code>', () => {
    expect(withError('https://good.example/p?x=1#f', 'access-denied')).toBe('https://good.example/p?x=1&error=access-denied#f');
  });
});
