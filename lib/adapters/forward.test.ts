import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headersWithoutCredentials, principalHeaderValue, queryWithoutCredentials } from './forward.ts';

const parts = {
  headers: ['authorization', 'x-amz-security-token'],
  query: ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token'],
};

describe('queryWithoutCredentials', () => {
  it.each([
    ['a=1&X-Amz-Signature=abc&b=%2B', 'a=1&b=%2B'],
    ['x-amz-signature=abc&keep', 'keep'],
    ['X%2DAmz-Credential=AKID%2F1&z=1', 'z=1'],
    ['X-Amz-Security-Token=t&X-Amz-Security-Token=u', ''],
    ['plain=1&&y', 'plain=1&&y'],
    ['bad=%ff&X-Amz-Signature=1', 'bad=%ff'],
  ])('%s -> %s', (query, kept) => {
    expect(queryWithoutCredentials(query, parts)).toBe(kept);
  });
});

describe('headersWithoutCredentials', () => {
  it('drops credential, hop-by-hop and principal headers, also spelled with "_", and sets the principal', () => {
    const incoming = new Headers([
      ['Authorization', 'AWS4-HMAC-SHA256 x'],
      ['X-Amz-Security-Token', 'tok'],
      ['x_amz_security_token', 'tok2'],
      ['x-auth-principal', 'root'],
      ['x_auth_principal', 'root'],
      ['Connection', 'keep-alive, x-drop-me'],
      ['x-drop-me', '1'],
      ['Keep-Alive', 'timeout=5'],
      ['Content-Type', 'application/json'],
    ]);
    const out = headersWithoutCredentials(incoming, parts, 'alice');
    expect([...out.entries()]).toEqual([
      ['content-type', 'application/json'],
      ['x-auth-principal', 'alice'],
    ]);
  });

  it('percent-encodes a principal a header cannot carry (a JWT sub in another script, CR/LF, edge spaces), and drops a client-supplied encoding header', () => {
    const incoming = new Headers([
      ['x-auth-principal-encoding', 'percent-utf8'],
      ['X_Auth_Principal_Encoding', 'x'],
    ]);
    for (const [principal, sent] of [
      ['李雷', '%E6%9D%8E%E9%9B%B7'],
      ['a\r\nx-admin: 1', 'a%0D%0Ax-admin%3A%201'],
      [' padded ', '%20padded%20'],
      ['caf\u00e9', 'caf%C3%A9'],
      ['lone \ud800', 'lone%20%EF%BF%BD'],
    ] as const) {
      const out = headersWithoutCredentials(incoming, parts, principal);
      expect([...out.entries()]).toEqual([
        ['x-auth-principal', sent],
        ['x-auth-principal-encoding', 'percent-utf8'],
      ]);
    }
    // A plain principal goes as it is, with no encoding header (a client's is dropped).
    expect([...headersWithoutCredentials(incoming, parts, 'svc:orders/1').entries()]).toEqual([['x-auth-principal', 'svc:orders/1']]);
  });

  it('names the scheme beside the principal, and drops a client-supplied scheme header in any spelling', () => {
    const incoming = new Headers([
      ['x-auth-scheme', 'mauth'],
      ['X_Auth_Scheme', 'mauth'],
      ['accept', '*/*'],
    ]);
    expect([...headersWithoutCredentials(incoming, parts, 'billing-service', 'jwt').entries()]).toEqual([
      ['accept', '*/*'],
      ['x-auth-principal', 'billing-service'],
      ['x-auth-scheme', 'jwt'],
    ]);
    // No principal (a public route): neither header, and the client's copies are still dropped.
    expect([...headersWithoutCredentials(incoming, parts, undefined, undefined).entries()]).toEqual([['accept', '*/*']]);
  });

  it('never throws, and round-trips every principal (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (principal) => {
        const h = principalHeaderValue(principal);
        const out = headersWithoutCredentials(new Headers(), parts, principal);
        expect(out.get('x-auth-principal')).toBe(h.value);
        const back = h.encoded ? decodeURIComponent(h.value) : h.value;
        expect(back).toBe(new TextDecoder().decode(new TextEncoder().encode(principal))); // lone surrogates become U+FFFD
      }),
    );
  });
});
