import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, JsonTextError, parseJsonSafe } from './json.ts';

function engineAccepts(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on valid documents and on documents broken anywhere (property)', () => {
    const broken = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '\\', '\n', '\u0001', 'x', '01', '-', '[', '{', ':', 'tru', ' '))
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + (at % 3 === 0 ? 1 : 0));
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), broken, fc.string()), (text) => {
        const problem = findJsonSyntaxError(text);
        expect(problem === undefined).toBe(engineAccepts(text));
        if (problem) {
          expect(problem.offset).toBeGreaterThanOrEqual(0);
          expect(problem.offset).toBeLessThanOrEqual(text.length);
          const lines = text.slice(0, problem.offset).split('\n');
          expect([problem.line, problem.column]).toEqual([lines.length, lines.at(-1)!.length + 1]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseJsonSafe', () => {
  it('parses any nesting depth and still finds a forbidden key deep inside', () => {
    const depth = 100_000;
    expect(() => parseJsonSafe('['.repeat(depth) + ']'.repeat(depth))).not.toThrow();
    const deep = '{"a":'.repeat(depth) + '{"__proto__":1}' + '}'.repeat(depth);
    expect(() => parseJsonSafe(deep)).toThrow(/forbidden key "__proto__"/);
  });
  it('describes a syntax error by position and kind only', () => {
    const text = '{"secret": TOP-SECRET-VALUE}';
    let error: unknown;
    try {
      parseJsonSafe(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonTextError);
    const { message, problem } = error as JsonTextError;
    expect(problem).toMatchObject({ offset: text.indexOf('TOP'), line: 1, column: text.indexOf('TOP') + 1 });
    expect(message).not.toContain('TOP');
    expect(message).not.toContain('SECRET');
  });
});
