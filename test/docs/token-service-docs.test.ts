// The README's first commands and the token service's docs stay true: every `npm run` script they name
// exists, every `edge-auth` command is one the CLI has, the links between README.md, docs/token-service.md
// and docs/deploy.md land on headings that exist, and "Try it locally" names the ports and folder
// infra/auth-dev.ts uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../deploy/artifacts.ts';

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const lines = markdown.split('\n');
  let fenced = false;
  const out = new Set<string>();
  for (const l of lines) {
    if (l.startsWith('```')) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(l)) out.add(slug(l.replace(/^#+ /, '')));
  }
  return out;
}

const DOCS = ['README.md', 'docs/token-service.md', 'docs/deploy.md'] as const;

describe('README and the token service docs', () => {
  it('start with npm install && npm start, npm test, then npm run start:auth', () => {
    const first = /```sh\n([\s\S]*?)```/.exec(read('README.md'))![1]!.split('\n').filter(Boolean);
    expect(first.map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm install && npm start', 'npm test', 'npm run start:auth']);
  });

  it('name only npm scripts that exist', () => {
    for (const doc of DOCS) {
      for (const m of read(doc).matchAll(/npm run ([a-z][\w:-]*)/g)) expect(scripts, `${doc}: npm run ${m[1]}`).toHaveProperty([m[1]!]);
    }
    expect(scripts['start:auth']).toBe('tsx infra/auth-dev.ts');
  });

  it('name only token-keys subcommands the CLI has', () => {
    const usage = read('lib/cli/token-keys.ts');
    for (const doc of DOCS)
      for (const m of read(doc).matchAll(/edge-auth token-keys (\w+)/g))
        expect(usage, `${doc}: ${m[0]}`).toContain(`edge-auth token-keys ${m[1]}`);
  });

  it('link to headings that exist', () => {
    let checked = 0;
    for (const doc of DOCS) {
      for (const m of read(doc).matchAll(/\]\(([^)\s]*)#([\w-]+)\)/g)) {
        const target = m[1] === '' ? doc : join(doc.includes('/') ? 'docs' : '', m[1]!).replace(/^docs\/docs\//, 'docs/');
        if (!DOCS.includes(target as (typeof DOCS)[number])) continue;
        expect(anchors(read(target)), `${doc} -> ${m[1]}#${m[2]}`).toContain(m[2]);
        checked++;
      }
    }
    // README -> #token-service and deploy.md#the-token-service, token-service.md -> deploy.md (twice), ...
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('"Try it locally" gives the ports, folder and environment infra/auth-dev.ts uses', () => {
    const doc = read('docs/token-service.md');
    const script = read('infra/auth-dev.ts');
    const section = doc.slice(doc.indexOf('## Try it locally'), doc.indexOf('## Endpoints'));
    expect(section).toContain('npm install && npm run start:auth');
    expect(script).toContain("portFrom('TOKEN_SERVICE_PORT', 8790)");
    expect(script).toContain("portFrom('EDGE_PORT', 8791)");
    expect(section).toMatch(/token service under workerd on port 8790/);
    expect(section).toMatch(/on port 8791/);
    for (const name of ['TOKEN_SERVICE_PORT', 'EDGE_PORT', 'STANDIN_PORT', 'AUTH_DEV_STATE_DIR', '.wrangler/auth-dev/']) {
      expect(section).toContain(name);
      expect(script).toContain(name.replace(/\/$/, '').replace('.wrangler/auth-dev', "'.wrangler', 'auth-dev'"));
    }
  });
});
