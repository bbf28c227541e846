import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { createTokenService, type TokenServiceOptions } from './app.ts';
import type { TokenServiceParts } from './app.ts';

describe('createTokenService', () => {
  it('wants to be told how to name the calling client: no default that reads a header the client sets', () => {
    const options = { publicUrl: 'https://auth.example', defaultNext: 'https://app.example/' } as TokenServiceOptions;
    expect(() => createTokenService({} as TokenServiceParts, options)).toThrow(TypeError);
    expect(() =>
      createTokenService({} as TokenServiceParts, { ...options, clientKey: 'cf-connecting-ip' as unknown as (c: Context) => string }),
    ).toThrow(/clientKey/);
    expect(() => createTokenService({} as TokenServiceParts, { ...options, clientKey: () => '203.0.113.1' })).not.toThrow();
  });
});
