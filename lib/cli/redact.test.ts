import { describe, expect, it } from 'vitest';
import { createMemoryKeyStore } from '../keys/memory.ts';
import { createSigV4Signer, createSigV4Verifier } from '../schemes/sigv4/index.ts';
import type { SignedRequest } from '../core/request.ts';
import { redactExplanation, redactionMark } from './redact.ts';

const TOKEN = '  IQoJb3JpZ2luX2VjE   padded/token+with=spaces ';
const KEY = 'AKIDREDACT0001';
const NOW = 1_790_000_000_000;
const options = { region: 'us-east-1', service: 'execute-api' } as const;

async function explained(req: SignedRequest, profile: 'aws' | 'dciauth' = 'aws') {
  const signer = createSigV4Signer({ ...options, profile, keyId: KEY, secret: 'redact-secret-01', sessionToken: TOKEN, clock: () => NOW });
  const signed = await signer.sign(req);
  const keys = createMemoryKeyStore([{ id: KEY, secrets: ['redact-secret-01'], principal: 'p', permissions: [], sessionToken: TOKEN }]);
  const verifier = createSigV4Verifier({ ...options, profile, keys });
  return redactExplanation(await verifier.explain(signed), signed, ['redact-secret-01', TOKEN]);
}

const base: SignedRequest = { method: 'GET', path: '/x', query: '', headers: [['Host', 'h']], body: new Uint8Array() };

describe('redactExplanation', () => {
  it('redacts the token in its canonical (trimmed, collapsed) form', async () => {
    const e = await explained(base);
    const canonical = TOKEN.trim().replace(/\s+/g, ' ');
    expect(e.canonicalRequest).toContain(`x-amz-security-token:${redactionMark(canonical)}\n`);
    expect(e.canonicalRequest).not.toContain('IQoJb3JpZ2luX2VjE');
    expect(e.redacted).toEqual([expect.objectContaining({ where: 'the x-amz-security-token header', length: canonical.length })]);
  });

  it('finds the token in another signed header too', async () => {
    const e = await explained({ ...base, headers: [...base.headers, ['X-Echo', TOKEN]] });
    expect(e.canonicalRequest).not.toContain('IQoJb3JpZ2luX2VjE');
    expect(e.redacted.map((r) => r.where)).toContain('a token, key id or signature value elsewhere');
  });

  it('leaves a request without tokens or credentials as it was', async () => {
    const signer = createSigV4Signer({ ...options, keyId: KEY, secret: 'redact-secret-01', clock: () => NOW });
    const signed = await signer.sign(base);
    const keys = createMemoryKeyStore([{ id: KEY, secrets: ['redact-secret-01'], principal: 'p', permissions: [] }]);
    const raw = await createSigV4Verifier({ ...options, keys }).explain(signed);
    const e = redactExplanation(raw, signed);
    expect(e.redacted).toEqual([]);
    expect(e.canonicalRequest).toBe(raw.canonicalRequest);
    expect(e.alternatives).toEqual(raw.alternatives);
  });

  it('finds a short key id wherever it stands as a whole token, without touching longer words', async () => {
    const signer = createSigV4Signer({ ...options, keyId: 'ak1', secret: 'redact-secret-02', clock: () => NOW });
    const signed = await signer.sign({ ...base, path: '/ak1x/y', headers: [...base.headers, ['x-ak', 'ak1']] });
    const keys = createMemoryKeyStore([{ id: 'ak1', secrets: ['redact-secret-02'], principal: 'p', permissions: [] }]);
    const e = redactExplanation(await createSigV4Verifier({ ...options, keys }).explain(signed), signed);
    expect(e.canonicalRequest).toContain(`x-ak:${redactionMark('ak1')}\n`);
    expect(e.canonicalRequest).toContain('/ak1x/y');
  });
});
