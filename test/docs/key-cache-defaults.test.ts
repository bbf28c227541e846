// Issue 9: the key cache's defaults as docs/key-stores.md documents them ("The cache in front of a
// store", "Defaults, and why") are the ones the code applies (KEY_CACHE_DEFAULTS), and the TSDoc of
// each KeyCacheOptions member states the same default: docs and code cannot drift apart. The table
// and the TSDoc are read as text (ts.createSourceFile for the interface, no type checker).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { KEY_CACHE_DEFAULTS } from '../../lib/keys/cache.ts';
import { ROOT } from '../deploy/artifacts.ts';

const DOC = 'docs/key-stores.md';
const SOURCE = 'lib/keys/cache.ts';

/** The lines of the section under `heading` (a `###` heading inside the `##` section `parent`), up to the next heading. */
function section(markdown: string, parent: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(parent);
  expect(start, `${DOC} has a "${parent}" section`).toBeGreaterThanOrEqual(0);
  const nextParent = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const at = lines.findIndex((l, i) => i > start && (nextParent < 0 || i < nextParent) && l === heading);
  expect(at, `${DOC} has "${heading}" under "${parent}"`).toBeGreaterThan(start);
  const end = lines.findIndex((l, i) => i > at && /^#{1,3} /.test(l));
  return lines.slice(at + 1, end < 0 ? undefined : end);
}

/** A number as the docs write it: `10,000`, `300`. */
function numberOf(text: string): number {
  expect(text, 'a default is a plain number (digits, thousands commas)').toMatch(/^\d{1,3}(,\d{3})*(\.\d+)?$|^\d+(\.\d+)?$/);
  return Number(text.replaceAll(',', ''));
}

/** The defaults table: option name (without backticks) to its documented default, and the reason given. */
function documentedDefaults(): Map<string, { value: number; why: string }> {
  const rows = section(readFileSync(join(ROOT, DOC), 'utf8'), '## The cache in front of a store', '### Defaults, and why')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .slice(1, l.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((c) => c.trim()),
    );
  expect(rows[0], 'the table header').toEqual(['option', 'default', 'why']);
  expect(
    rows[1]!.every((c) => /^:?-+:?$/.test(c)),
    'the delimiter row',
  ).toBe(true);
  const table = new Map<string, { value: number; why: string }>();
  for (const [option, value, why] of rows.slice(2)) {
    const name = /^`([A-Za-z]+)`$/.exec(option!)?.[1];
    expect(name, `an option in backticks: ${option}`).toBeDefined();
    expect(table.has(name!), `${name} documented once`).toBe(false);
    table.set(name!, { value: numberOf(value!), why: why! });
  }
  return table;
}

/** The default each KeyCacheOptions member's TSDoc states ("Default 300 s.", "Default 10,000."), by member. */
function tsdocDefaults(): Map<string, number | undefined> {
  const sf = ts.createSourceFile(SOURCE, readFileSync(join(ROOT, SOURCE), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const options = sf.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'KeyCacheOptions',
  );
  expect(options, `${SOURCE} declares KeyCacheOptions`).toBeDefined();
  const found = new Map<string, number | undefined>();
  for (const member of options!.members) {
    const docs = (member as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
    const text = docs.map((d) => (typeof d.comment === 'string' ? d.comment : (ts.getTextOfJSDocComment(d.comment) ?? ''))).join('\n');
    const stated = /\bDefault ([\d,]+(?:\.\d+)?)\b/.exec(text)?.[1];
    found.set(member.name!.getText(sf), stated === undefined ? undefined : Number(stated.replaceAll(',', '')));
  }
  return found;
}

describe(`the key cache's defaults: ${DOC} and KEY_CACHE_DEFAULTS agree`, () => {
  const documented = documentedDefaults();
  const code = new Map(Object.entries(KEY_CACHE_DEFAULTS) as Array<[string, number]>);

  it('reads the table', () => {
    expect(documented.size).toBeGreaterThanOrEqual(8);
  });

  it('documents every default as the code applies it', () => {
    const docs = Object.fromEntries([...documented].map(([name, { value }]) => [name, value]));
    for (const name of documented.keys()) expect(code.has(name), `${DOC} documents ${name}, which KEY_CACHE_DEFAULTS lacks`).toBe(true);
    expect(docs).toEqual(KEY_CACHE_DEFAULTS);
  });

  it('documents every member of KEY_CACHE_DEFAULTS, with a reason', () => {
    for (const name of code.keys()) {
      expect(documented.has(name), `KEY_CACHE_DEFAULTS.${name} is not in ${DOC}'s defaults table`).toBe(true);
      expect(documented.get(name)!.why.length, `${name}: why`).toBeGreaterThan(20);
    }
  });

  it('sets the TTL against the references it names: Powertools 5 s, the Lambda extension 300 s, aws-secretsmanager-caching 3,600 s', () => {
    const why = documented.get('ttlSeconds')!.why;
    expect(why).toMatch(/Powertools[^.]*\b5 s\b/);
    expect(why).toMatch(/Lambda Extension/);
    expect(why).toMatch(/aws-secretsmanager-caching's 3,600 s/);
    // The extension's default is the one the code takes.
    expect(KEY_CACHE_DEFAULTS.ttlSeconds).toBe(300);
  });

  it("states the same default in each KeyCacheOptions member's TSDoc", () => {
    const stated = tsdocDefaults();
    for (const name of code.keys()) expect(stated.has(name), `KeyCacheOptions.${name} exists`).toBe(true);
    const withDefaults = Object.fromEntries([...stated].filter(([name]) => code.has(name)));
    expect(withDefaults).toEqual(KEY_CACHE_DEFAULTS);
  });
});
