#!/usr/bin/env node
// edge-auth: runs the bundled CLI, building it first when dist/cli.mjs is missing or older than
// the sources, so `npx edge-auth` works straight after `npm install`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const libDir = join(root, 'lib');
if (!existsSync(bundle) || (existsSync(libDir) && statSync(bundle).mtimeMs < newestSource(libDir))) {
  const { build } = await import(pathToFileURL(join(root, 'infra', 'build.mjs')).href);
  await build(['cli']);
}
await import(pathToFileURL(bundle).href);
