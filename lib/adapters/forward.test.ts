import { describe, expect, it } from 'vitest';
import { headersWithoutCredentials, queryWithoutCredentials } from './forward.ts';

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
});
