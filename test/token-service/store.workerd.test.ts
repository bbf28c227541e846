// The store's Worker side (md5, errors, kysely-store, d1, kysely, kysely-d1) bundled as wrangler would and
// run inside workerd over a D1 binding; and the bundle holds no `pg` and no Node built-in.

import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SOURCE_CONDITION } from '../../infra/build.mjs';
import { ROOT } from '../helpers/workerd.ts';

process.env.WRANGLER_SEND_METRICS = 'false';

describe('token service store in workerd', () => {
  it('bundles without pg or Node built-ins, and runs over D1', async () => {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['test/token-service/store-worker.ts'],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: [SOURCE_CONDITION, 'workerd', 'worker', 'browser'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => /node_modules\/(pg|pg-[^/]+)\//.test(i) || i.startsWith('node:'))).toEqual([]);
    expect(inputs.some((i) => i.includes('node_modules/kysely-d1/'))).toBe(true);

    const mf = new Miniflare({
      modules: true,
      script: result.outputFiles[0]!.text,
      compatibilityDate: '2026-04-01',
      d1Databases: { DB: randomUUID() },
    });
    try {
      const response = await mf.dispatchFetch('http://store.test/');
      expect(await response.json()).toEqual({
        idIsMd5: true,
        names: ['obrien', 'obrien1'],
        name: "O'Brien 🚀",
        takes: [{ provider: 'github', codeVerifier: 'v' }, null],
        hits: [1, 2],
        refused: 'username:invalid-characters',
      });
    } finally {
      await mf.dispose();
    }
  });
});
