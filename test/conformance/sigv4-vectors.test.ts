import { describe, expect, it } from 'vitest';
import { webCrypto } from '../../lib/core/crypto-web.ts';
import { nodeCrypto } from '../../lib/core/crypto-node.ts';
import { loadVectorData } from './load-vectors.ts';
import { sigv4Cases } from './sigv4-suite.ts';

const data = loadVectorData();

describe('vector counts', () => {
  it('has every published case', () => {
    expect(data.crt).toHaveLength(38);
    expect(data.aws2015).toHaveLength(31);
    expect(data.dci).toHaveLength(16);
  });
});

for (const backend of [nodeCrypto, webCrypto]) {
  describe(`SigV4 vectors with ${backend.name}`, () => {
    it.each(sigv4Cases(data, backend).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      await c.run();
    });
  });
}
