// examples/ as documentation that cannot rot: the programs type-check, the CLI session runs, and
// every ```ts block of the READMEs is an excerpt of one of the programs.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../deploy/artifacts.ts';

const run = promisify(execFile);
const EXAMPLES = join(ROOT, 'examples');
const programs = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts') || f.endsWith('.sh'));
const sources = Object.fromEntries(
  programs
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [
      f,
      readFileSync(join(EXAMPLES, f), 'utf8')
        .split('\n')
        .map((l) => l.trimEnd()),
    ]),
);

/** The ```ts blocks of a Markdown file, each as lines without trailing blanks. */
function tsBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) =>
    m[1]!
      .replace(/\n+$/, '')
      .split('\n')
      .map((l) => l.trimEnd()),
  );
}

/** The example file that holds these lines as one contiguous run, if any. */
function excerptOf(block: string[]): string | undefined {
  return Object.entries(sources).find(([, lines]) => lines.some((_, start) => block.every((line, i) => lines[start + i] === line)))?.[0];
}

describe('examples/', () => {
  it('has the programs the README lists, and the README lists every program', () => {
    expect(programs.sort()).toEqual(
      [
        'cli-session.sh',
        'in-function.ts',
        'lambda-authorizer.ts',
        'mauth-lambda.ts',
        'node-hono-server.ts',
        'signed-fetch.ts',
        'worker.ts',
      ].sort(),
    );
    const readme = readFileSync(join(EXAMPLES, 'README.md'), 'utf8');
    for (const p of programs) expect(readme, p).toContain('`' + p + '`');
  });

  // The type-check of these programs against the installed tarball is in test/package/consumer.test.ts,
  // where 'edge-authorizer' resolves to the packed package as it does for a user.

  it.each([
    ['README.md', join(ROOT, 'README.md')],
    ['examples/README.md', join(EXAMPLES, 'README.md')],
  ])('every ts block of %s is an excerpt of an example', (_name, file) => {
    const blocks = tsBlocks(readFileSync(file, 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(excerptOf(block), `not in any examples/*.ts:\n${block.join('\n')}`).toBeDefined();
  });

  it('runs the CLI session against the demo configuration', async () => {
    // npm_config_yes=false: npx must run the project's own edge-auth, never fetch a package of that name.
    const { stdout } = await run('bash', [join(EXAMPLES, 'cli-session.sh')], {
      cwd: ROOT,
      env: { ...process.env, npm_config_yes: 'false', npm_config_update_notifier: 'false' },
      timeout: 60_000,
    });
    const after = (marker: string) => stdout.slice(stdout.indexOf(marker) + marker.length);
    expect(after('$ edge-auth check-config\n')).toMatch(/^\{"ok":true,"schemes":\["sigv4"\],"keys":2,"routes":2,"publicRoutes":1\}\n/);
    const signed = JSON.parse(after('$ edge-auth sign\n').split('$ edge-auth verify\n')[0]!) as { headers: string[][] };
    expect(signed.headers.find(([n]) => n === 'Authorization')?.[1]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEMO00000000000001\//);
    expect(JSON.parse(after('$ edge-auth verify\n').split('\n')[0]!)).toMatchObject({ ok: true, principal: { id: 'demo-user' } });
    const explained = after('$ edge-auth explain\n');
    expect(explained).toContain('canonical request:\n-----\nGET\n/items\nlimit=10\nhost:api.example.com\n');
    expect(explained).toContain('string to sign:\n-----\nAWS4-HMAC-SHA256\n');
    const tampered = after('$ edge-auth verify (tampered query)\n').trimEnd().split('\n');
    expect(JSON.parse(tampered[0]!)).toMatchObject({ ok: false, code: 'ERR_SIGNATURE_INVALID', status: 401 });
    expect(tampered[1]).toBe('exit 1');
    expect(stdout).not.toContain('demo-only-secret');
  }, 60_000);
});
