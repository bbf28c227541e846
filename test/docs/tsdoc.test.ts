// Issue 7: every export of lib/ carries TSDoc. Parsed file by file with ts.createSourceFile (no program,
// no type checker) so the whole tree takes well under a second. Re-export statements (`export { a } from`,
// `export * from`) are exempt: the doc lives on the declaration they point at.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../deploy/artifacts.ts';

const FILES = execFileSync('git', ['ls-files', 'lib/**/*.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

/** One exported declaration as the report names it. */
interface Export {
  file: string;
  line: number;
  kind: string;
  name: string;
  documented: boolean;
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/**
 * Whether a `/** ... *\/` comment with a summary sits directly above the node: TypeScript attaches any
 * JSDoc in the leading trivia, even across a blank line (a file header, a stray block), so the last one
 * must also end on the line right before the declaration and say something before its first tag.
 */
function hasTsDoc(node: ts.Node, sf: ts.SourceFile): boolean {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const doc = docs?.[docs.length - 1];
  if (!doc) return false;
  const summary = typeof doc.comment === 'string' ? doc.comment : ts.getTextOfJSDocComment(doc.comment);
  if (!summary?.trim()) return false;
  const between = sf.text.slice(doc.end, node.getStart(sf));
  return /^[ \t]*\r?\n[ \t]*$/.test(between);
}

function exportsOf(file: string): Export[] {
  const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Export[] = [];
  const seenFunctions = new Set<string>();
  const add = (node: ts.Node, kind: string, name: string) =>
    found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, kind, name, documented: hasTsDoc(node, sf) });

  for (const node of sf.statements) {
    if (!isExported(node)) continue;
    if (ts.isFunctionDeclaration(node)) {
      const name = node.name?.text ?? 'default';
      // Overloads: the first signature's doc is the one editors show, so it alone counts.
      if (seenFunctions.has(name)) continue;
      seenFunctions.add(name);
      add(node, 'function', name);
    } else if (ts.isClassDeclaration(node)) add(node, 'class', node.name?.text ?? 'default');
    else if (ts.isInterfaceDeclaration(node)) add(node, 'interface', node.name.text);
    else if (ts.isTypeAliasDeclaration(node)) add(node, 'type', node.name.text);
    else if (ts.isEnumDeclaration(node)) add(node, 'enum', node.name.text);
    else if (ts.isVariableStatement(node)) {
      const names = node.declarationList.declarations.map((d) => d.name.getText(sf)).join(', ');
      add(node, 'const', names);
    } else if (ts.isModuleDeclaration(node)) add(node, 'namespace', node.name.getText(sf));
  }
  return found;
}

describe('TSDoc on every export of lib/', () => {
  const all = FILES.flatMap(exportsOf);

  it('finds the sources and their exports', () => {
    expect(FILES.length).toBeGreaterThan(20);
    expect(all.length).toBeGreaterThan(100);
  });

  it('documents every exported declaration', () => {
    const missing = all.filter((e) => !e.documented).map((e) => `${e.file}:${e.line} ${e.kind} ${e.name}`);
    expect(missing, 'exports without a /** ... */ comment directly above (file:line kind name)').toEqual([]);
  });
});
