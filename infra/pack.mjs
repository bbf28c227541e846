// Packs the package as npm publishes it and installs the tarball into a scratch consumer project,
// offline: the tarball's runtime dependencies and peers are packed from our own node_modules and
// installed from those tarballs with an empty, private npm cache, so nothing is fetched. Used by
// test/package/consumer.test.ts and by the package-size section of `npm run bench`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './build.mjs';
import { buildLib } from './build-lib.mjs';

/** Runs npm with the same npm that runs us when there is one (npm test), else the npm on PATH. */
export function npm(args, cwd) {
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && cli.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
  return execFileSync(cmd, argv, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
  });
}

function packJson(args, cwd) {
  const out = npm(['pack', '--ignore-scripts', '--json', ...args], cwd);
  return JSON.parse(out.slice(out.indexOf('[')))[0];
}

/**
 * Builds dist/, packs the package into `dir` and returns what `npm pack` reports
 * ({ filename, size, unpackedSize, entryCount, files }) with the tarball's path.
 */
export function packPackage(dir) {
  buildLib();
  mkdirSync(dir, { recursive: true });
  const info = packJson(['--pack-destination', dir], root);
  return { ...info, tarball: join(dir, info.filename) };
}

/**
 * A consumer project in `dir` with the packed tarball installed (`npm install --offline`), plus
 * every runtime dependency and peer of the package, each from a tarball of our installed copy,
 * except optional peers that have dependencies of their own (the AWS SDK's Secrets Manager client,
 * about a hundred packages, which only a Secrets Manager key store loads): the consumer runs without them.
 * `extra` names more of our installed packages to add (e.g. typescript is not needed: we run ours).
 */
export function createConsumer(dir, { tarball, extra = [] } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const installable = (name) => {
    if (!pkg.peerDependenciesMeta?.[name]?.optional) return true;
    const own = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
    return Object.keys(own.dependencies ?? {}).length === 0;
  };
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter(installable);
  const names = [...new Set([...Object.keys(pkg.dependencies ?? {}), ...peers, ...extra])];
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  const dependencies = { [pkg.name]: `file:${tarball}` };
  for (const name of names) {
    const info = packJson(['--pack-destination', tarballs, join(root, 'node_modules', name)], root);
    dependencies[name] = `file:${join(tarballs, info.filename)}`;
  }
  const project = join(dir, 'consumer');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2));
  npm(['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', join(dir, 'npm-cache')], project);
  return project;
}
