import { decodeProtectedHeader, decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createStateCodec, MAX_STATE_LENGTH, newLoginAttempt, STATE_TYP } from './state.ts';

const secret = new Uint8Array(32).fill(7);
const claims = { id: 'AAAAAAAAAAAAAAAAAAAAAAAA', provider: 'github', next: 'https://good.example/x?y=1' };

describe('createStateCodec', () => {
  it('round-trips id, provider and next, as a typ-ed HS256 JWS with jti, iat and exp', async () => {
    let t = 1_700_000_000_000;
    const codec = createStateCodec({ secret, now: () => t });
    const state = await codec.seal(claims);
    expect(decodeProtectedHeader(state)).toEqual({ alg: 'HS256', typ: STATE_TYP });
    expect(decodeJwt(state)).toEqual({ jti: claims.id, provider: 'github', next: claims.next, iat: 1_700_000_000, exp: 1_700_000_600 });
    expect(await codec.open(state)).toEqual(claims);
    t += 599_000;
    expect(await codec.open(state)).toEqual(claims);
    t += 2_000;
    expect(await codec.open(state)).toBeUndefined();
  });

  it('refuses a state sealed with another secret, tampered, or of another typ or alg', async () => {
    const codec = createStateCodec({ secret });
    const other = createStateCodec({ secret: new Uint8Array(32).fill(8) });
    const state = await codec.seal(claims);
    expect(await other.open(state)).toBeUndefined();
    const [h, p, s] = state.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(state), next: 'https://evil.example/' })).toString('base64url');
    expect(await codec.open(`${h}.${forgedPayload}.${s}`)).toBeUndefined();
    expect(await codec.open(`${h}.${p}.${s!.slice(0, -2)}AA`)).toBeUndefined();
    const now = Math.floor(Date.now() / 1000);
    const plainJwt = await new SignJWT({ provider: 'github', next: claims.next })
      .setProtectedHeader({ alg: 'HS256' })
      .setJti(claims.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(secret);
    expect(await codec.open(plainJwt)).toBeUndefined();
    const noExp = await new SignJWT({ provider: 'github', next: claims.next })
      .setProtectedHeader({ alg: 'HS256', typ: STATE_TYP })
      .setJti(claims.id)
      .setIssuedAt(now)
      .sign(secret);
    expect(await codec.open(noExp)).toBeUndefined();
    const longLived = await new SignJWT({ provider: 'github', next: claims.next })
      .setProtectedHeader({ alg: 'HS256', typ: STATE_TYP })
      .setJti(claims.id)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now + 3600)
      .sign(secret);
    expect(await codec.open(longLived)).toBeUndefined();
    const badShape = await new SignJWT({ provider: 42, next: claims.next })
      .setProtectedHeader({ alg: 'HS256', typ: STATE_TYP })
      .setJti(claims.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(secret);
    expect(await codec.open(badShape)).toBeUndefined();
  });

  it('answers undefined for garbage and oversized input without throwing', async () => {
    const codec = createStateCodec({ secret });
    for (const junk of ['', 'x', 'a.b.c', '...', 'eyJ.eyJ.x', 'x'.repeat(MAX_STATE_LENGTH + 1), 42 as unknown as string]) {
      expect(await codec.open(junk)).toBeUndefined();
    }
  });

  it('refuses short secrets, bad ttls and bad claims', async () => {
    expect(() => createStateCodec({ secret: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => createStateCodec({ secret: 'x'.repeat(64) as unknown as Uint8Array })).toThrow(TypeError);
    expect(() => createStateCodec({ secret, ttlSeconds: 0 })).toThrow(TypeError);
    expect(() => createStateCodec({ secret, ttlSeconds: 1.5 })).toThrow(TypeError);
    const codec = createStateCodec({ secret });
    await expect(codec.seal({ ...claims, id: 'short' })).rejects.toThrow(TypeError);
    await expect(codec.seal({ ...claims, provider: 'Git Hub' })).rejects.toThrow(TypeError);
    await expect(codec.seal({ ...claims, next: 'x'.repeat(2049) })).rejects.toThrow(TypeError);
  });

  it('keeps its own copy of the secret', async () => {
    const mine = new Uint8Array(32).fill(1);
    const codec = createStateCodec({ secret: mine });
    const state = await codec.seal(claims);
    mine.fill(2);
    expect(await codec.open(state)).toEqual(claims);
  });
});

describe('newLoginAttempt', () => {
  it('answers a 192-bit base64url id and an S256 PKCE pair, fresh each time', async () => {
    const a = await newLoginAttempt();
    const b = await newLoginAttempt();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(a.codeVerifier)));
    expect(a.codeChallenge).toBe(Buffer.from(digest).toString('base64url'));
    // The id fits the codec's shape.
    const codec = createStateCodec({ secret });
    expect(await codec.open(await codec.seal({ id: a.id, provider: 'google', next: '' }))).toMatchObject({ id: a.id });
  });
});
