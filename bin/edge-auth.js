#!/usr/bin/env node
// edge-auth. From the installed package it runs the compiled CLI (dist/cli/run.js, built by tsc
// before packing; no esbuild at runtime). In a source checkout (lib/ and infra/build.mjs beside
// it) it runs the esbuild bundle build/cli.mjs instead, rebuilding it first when it is missing or
// older than the sources, so `npx edge-auth` always runs the code in the working tree.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const libDir = join(root, 'lib');
const builder = join(root, 'infra', 'build.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

if (existsSync(libDir) && existsSync(builder)) {
  const bundle = join(root, 'build', 'cli.mjs');
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(libDir)) {
    const { build } = await import(pathToFileURL(builder).href);
    await build(['cli']);
  }
  await import(pathToFileURL(bundle).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'run.js')).href);
}
