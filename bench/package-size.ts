/**
 * The published package's size: the packed tarball (`npm pack`), and what each entry point costs a
 * bundle. Each entry is measured from the packed tarball installed in a scratch consumer (as a user
 * gets it), as a one-line consumer `export * from '<entry>'` (everything the entry offers) bundled
 * by esbuild, minified, for Node (the node:crypto backend) and for workerd (Web Crypto).
 */
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createConsumer, packPackage } from '../infra/pack.mjs';

export const ENTRY_POINTS = ['edge-authorizer', 'edge-authorizer/hono', 'edge-authorizer/aws-lambda', 'edge-authorizer/fetch'] as const;

/**
 * Whole apps, as a user writes them: the same Worker (edgeAuth, openWorkerKeyStore) and Lambda
 * authorizer (createAuthorizerHandler, openLambdaKeyStore), with every scheme (createAuthenticator,
 * loadConfig) and with SigV4 alone (withSchemes). The AWS SDK is external, as in Lambda.
 */
export const APPS = [
  {
    name: 'Worker, every scheme (`createAuthenticator`, `loadConfig`)',
    target: 'workerd',
    code: "export { createAuthenticator, loadConfig } from 'edge-authorizer';\nexport { edgeAuth, openWorkerKeyStore } from 'edge-authorizer/hono';\n",
  },
  {
    name: 'Worker, SigV4 alone (`withSchemes(sigv4Scheme)`)',
    target: 'workerd',
    code: "import { sigv4Scheme, withSchemes } from 'edge-authorizer';\nexport const set = withSchemes(sigv4Scheme);\nexport { edgeAuth, openWorkerKeyStore } from 'edge-authorizer/hono';\n",
  },
  {
    name: 'Lambda authorizer, every scheme',
    target: 'node',
    code: "export { createAuthenticator, loadConfig } from 'edge-authorizer';\nexport { createAuthorizerHandler, openLambdaKeyStore } from 'edge-authorizer/aws-lambda';\n",
  },
  {
    name: 'Lambda authorizer, SigV4 alone',
    target: 'node',
    code: "import { sigv4Scheme, withSchemes } from 'edge-authorizer';\nexport const set = withSchemes(sigv4Scheme);\nexport { createAuthorizerHandler, openLambdaKeyStore } from 'edge-authorizer/aws-lambda';\n",
  },
] as const;

export interface AppSize {
  readonly name: string;
  readonly target: keyof typeof TARGETS;
  readonly bytes: number;
  readonly gzipBytes: number;
}

const TARGETS = {
  node: { platform: 'node', conditions: ['node'] },
  workerd: { platform: 'browser', conditions: ['workerd', 'worker', 'browser'] },
} as const;

export interface EntrySize {
  readonly entry: string;
  readonly target: keyof typeof TARGETS;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** node_modules packages other than edge-authorizer that put code in the bundle. */
  readonly otherPackages: readonly string[];
}

export interface PackageSize {
  readonly tarballBytes: number;
  readonly unpackedBytes: number;
  readonly files: number;
  readonly entries: readonly EntrySize[];
  readonly apps: readonly AppSize[];
}

export async function measurePackage(): Promise<PackageSize> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-auth-size-'));
  try {
    const packed = packPackage(join(dir, 'pack'));
    const consumer = createConsumer(dir, { tarball: packed.tarball });
    /** A minified bundle of `file` for `target`, as the consumer's esbuild makes it. */
    const bundle = (file: string, target: keyof typeof TARGETS, external: string[] = []) =>
      esbuild.build({
        absWorkingDir: consumer,
        entryPoints: [file],
        bundle: true,
        write: false,
        minify: true,
        format: 'esm',
        platform: TARGETS[target].platform,
        conditions: [...TARGETS[target].conditions],
        target: 'es2022',
        external,
        metafile: true,
        legalComments: 'none',
        logLevel: 'warning',
      });
    const entries: EntrySize[] = [];
    for (const entry of ENTRY_POINTS) {
      const file = join(consumer, `${entry.replace(/\W/g, '_')}.mjs`);
      writeFileSync(file, `export * from '${entry}';\n`);
      for (const target of Object.keys(TARGETS) as Array<keyof typeof TARGETS>) {
        const r = await bundle(file, target);
        const out = r.outputFiles[0]!.contents;
        const otherPackages = [
          ...new Set(
            Object.entries(Object.values(r.metafile.outputs)[0]!.inputs)
              .filter(([, used]) => used.bytesInOutput > 0)
              .map(([p]) => p)
              .map((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1])
              .filter((p): p is string => p !== undefined && p !== 'edge-authorizer'),
          ),
        ];
        entries.push({ entry, target, bytes: out.length, gzipBytes: gzipSync(out).length, otherPackages });
      }
    }
    const apps: AppSize[] = [];
    for (const [i, app] of APPS.entries()) {
      const file = join(consumer, `app-${i}.mjs`);
      writeFileSync(file, app.code);
      const out = (await bundle(file, app.target, ['@aws-sdk/*'])).outputFiles[0]!.contents;
      apps.push({ name: app.name, target: app.target, bytes: out.length, gzipBytes: gzipSync(out).length });
    }
    return { tarballBytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount, entries, apps };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (b: number) => (b / 1024).toFixed(1);

export function packageSizeMarkdown(s: PackageSize): string {
  const cell = (entry: string, target: keyof typeof TARGETS) => {
    const e = s.entries.find((x) => x.entry === entry && x.target === target)!;
    return `${kb(e.bytes)} KiB | ${kb(e.gzipBytes)} KiB`;
  };
  const deps = (entry: string) =>
    [...new Set(s.entries.filter((e) => e.entry === entry).flatMap((e) => e.otherPackages))].join(', ') || 'none';
  const rows = ENTRY_POINTS.map((e) => `| \`${e}\` | ${cell(e, 'node')} | ${cell(e, 'workerd')} | ${deps(e)} |`);
  return `## Package size

The packed tarball (\`npm pack\`: dist/ JavaScript and declarations, the CLI bin, the README with the
docs/ and examples/ it links to, this file):
**${kb(s.tarballBytes)} KiB** packed, ${kb(s.unpackedBytes)} KiB unpacked, ${s.files} files.

What each entry point costs a bundle: a one-line consumer \`export * from '<entry>'\` (everything the
entry offers; importing less costs less) bundled from the installed tarball by esbuild, minified,
for Node (\`node\` condition: the node:crypto backend) and for workerd (\`workerd\`, \`worker\`,
\`browser\`: Web Crypto). Nothing is external; the last column names the other packages that put code in the bundle.

| entry point | node min | node gzip | workerd min | workerd gzip | other packages |
| --- | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

What an app bundles, with every built-in scheme or with the ones it names through \`withSchemes\`
(hono included in the Worker; the AWS SDK external in the Lambda; minified):

| app | target | min | gzip |
| --- | --- | ---: | ---: |
${s.apps.map((a) => `| ${a.name} | ${a.target} | ${kb(a.bytes)} KiB | ${kb(a.gzipBytes)} KiB |`).join('\n')}
`;
}

/** The section of `md` titled `title` ("## Title"), up to the next "## " heading, or undefined. */
export function sectionOf(md: string, title: string): string | undefined {
  const start = md.indexOf(`\n${title}\n`);
  if (start === -1) return undefined;
  const next = md.indexOf('\n## ', start + title.length + 1);
  return md.slice(start + 1, next === -1 ? undefined : next);
}

/** `next` with every "## " section of `previous` that `next` lacks spliced back in (another bench's). */
export function keepOtherSections(previous: string, next: string): string {
  let out = next;
  for (const [title] of previous.matchAll(/^## .+$/gm)) {
    if (out.includes(`\n${title}\n`)) continue;
    out = spliceSection(out, sectionOf(previous, title)!);
  }
  return out;
}

/** Puts `section` (starting "## Title") in place of the section of the same title in `md`, or appends it. */
export function spliceSection(md: string, section: string): string {
  const title = section.slice(0, section.indexOf('\n'));
  const start = md.indexOf(`\n${title}\n`);
  if (start === -1) return md.replace(/\n*$/, '\n\n') + section;
  const next = md.indexOf('\n## ', start + title.length + 1);
  return md.slice(0, start + 1) + section + (next === -1 ? '' : '\n' + md.slice(next + 1));
}
