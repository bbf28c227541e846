import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Aws2015Case, CrtCase, DciCase, SdkCapture, VectorData } from './vector-data.ts';

export const VECTORS_DIR = resolve(import.meta.dirname, '../../../shared/vectors');

function loadCrt(): CrtCase[] {
  const dir = join(VECTORS_DIR, 'aws-sigv4');
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort()
    .map((name) => {
      const files: Record<string, string> = {};
      for (const f of readdirSync(join(dir, name))) files[f] = readFileSync(join(dir, name, f), 'utf8');
      return { name, context: JSON.parse(files['context.json']!), files };
    });
}

function load2015(): Aws2015Case[] {
  const out: Aws2015Case[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir);
    const req = entries.find((e) => e.endsWith('.req'));
    if (req) {
      const name = req.slice(0, -4);
      const files: Record<string, string> = {};
      for (const ext of ['req', 'creq', 'sts', 'authz', 'sreq']) files[ext] = readFileSync(join(dir, `${name}.${ext}`), 'utf8');
      out.push({ name, files });
    }
    for (const e of entries) if (statSync(join(dir, e)).isDirectory()) walk(join(dir, e));
  };
  walk(join(VECTORS_DIR, 'aws-sigv4-2015'));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function loadVectorData(): VectorData {
  return {
    crt: loadCrt(),
    aws2015: load2015(),
    dci: JSON.parse(readFileSync(join(VECTORS_DIR, 'dciauth/vectors.json'), 'utf8')) as DciCase[],
    sdk: JSON.parse(readFileSync(join(VECTORS_DIR, 'aws-sdk/secretsmanager-get-secret-value.json'), 'utf8')) as SdkCapture,
  };
}
