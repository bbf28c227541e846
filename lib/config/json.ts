/**
 * JSON text from users (configuration documents, request.json) parsed prototype-safely, with syntax
 * errors described by position and kind only. `JSON.parse`'s own messages quote the text around the
 * error (`..."secret":PROD-SECRE...`), which is how secrets used to reach logs.
 */

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Where JSON text stops being JSON: 1-based line and column (UTF-16 units) and what was wrong there. */
export interface JsonSyntaxProblem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** A kind such as "unexpected character"; never any of the text itself. */
  readonly what: string;
}

/** Thrown by {@link parseJsonSafe}; its message names a position and a kind, never the text. */
export class JsonTextError extends SyntaxError {
  /** Set for syntax errors; absent for a forbidden key or a parser that gave up without a position. */
  readonly problem: JsonSyntaxProblem | undefined;
  constructor(message: string, problem?: JsonSyntaxProblem) {
    super(message);
    this.name = 'JsonTextError';
    this.problem = problem;
  }
}

function at(text: string, offset: number, what: string): JsonSyntaxProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset, line, column: offset - lineStart + 1, what };
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4_RE = /[0-9a-fA-F]{4}/y;

/**
 * Finds the first JSON syntax error in `text` (RFC 8259), without recursion, so any nesting depth is
 * fine. Returns `undefined` for valid JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  const n = text.length;
  const stack: string[] = [];
  type Want = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after-value';
  let want: Want = 'value';
  let i = 0;

  // Scans the string starting at text[i] === '"'; returns the problem or advances i past the closing quote.
  const scanString = (): JsonSyntaxProblem | undefined => {
    const start = i;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) break;
        if (e === 'u') {
          HEX4_RE.lastIndex = i + 2;
          if (!HEX4_RE.test(text)) return at(text, i, 'invalid \\u escape in a string');
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return at(text, i, 'invalid escape in a string');
        }
        continue;
      }
      if (c < 0x20) return at(text, i, 'control character in a string (escape it)');
      i++;
    }
    return at(text, start, 'unterminated string');
  };

  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= n) return want === 'after-value' && stack.length === 0 ? undefined : at(text, i, 'unexpected end of input');
    const c = text[i]!;
    switch (want) {
      case 'value':
      case 'value-or-close': {
        if (want === 'value-or-close' && c === ']') {
          stack.pop();
          i++;
          want = 'after-value';
        } else if (c === '{') {
          stack.push('{');
          i++;
          want = 'key-or-close';
        } else if (c === '[') {
          stack.push('[');
          i++;
          want = 'value-or-close';
        } else if (c === '"') {
          const p = scanString();
          if (p) return p;
          want = 'after-value';
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          NUMBER_RE.lastIndex = i;
          if (!NUMBER_RE.test(text)) return at(text, i, 'invalid number');
          i = NUMBER_RE.lastIndex;
          want = 'after-value';
        } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
          i += 4;
          want = 'after-value';
        } else if (text.startsWith('false', i)) {
          i += 5;
          want = 'after-value';
        } else {
          return at(text, i, want === 'value-or-close' ? 'expected a value or "]"' : 'expected a value');
        }
        break;
      }
      case 'key':
      case 'key-or-close': {
        if (want === 'key-or-close' && c === '}') {
          stack.pop();
          i++;
          want = 'after-value';
        } else if (c === '"') {
          const p = scanString();
          if (p) return p;
          want = 'colon';
        } else {
          return at(text, i, want === 'key' ? 'expected a field name in double quotes' : 'expected a field name in double quotes or "}"');
        }
        break;
      }
      case 'colon': {
        if (c !== ':') return at(text, i, 'expected ":"');
        i++;
        want = 'value';
        break;
      }
      case 'after-value': {
        const top = stack[stack.length - 1];
        if (top === undefined) return at(text, i, 'unexpected content after the JSON value');
        if (c === ',') {
          i++;
          want = top === '{' ? 'key' : 'value';
        } else if ((c === ']' && top === '[') || (c === '}' && top === '{')) {
          stack.pop();
          i++;
        } else {
          return at(text, i, top === '{' ? 'expected "," or "}"' : 'expected "," or "]"');
        }
        break;
      }
    }
  }
}

/** "unexpected character at line 3, column 14": a JSON syntax problem in words, without the text. */
export function describeJsonProblem(p: JsonSyntaxProblem): string {
  return `${p.what} at line ${p.line}, column ${p.column}`;
}

/**
 * Parses JSON text without letting it reach Object.prototype: "__proto__", "constructor" and
 * "prototype" keys are refused outright (a configuration never needs them). Any nesting depth is
 * safe (the key check is iterative).
 *
 * @throws JsonTextError for invalid JSON (position and kind only) or a forbidden key.
 */
export function parseJsonSafe(text: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxError(text);
    throw new JsonTextError(problem ? describeJsonProblem(problem) : 'not valid JSON', problem);
  }
  const pending: unknown[] = [doc];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new JsonTextError(`forbidden key "${key}" in JSON`);
      pending.push((value as Record<string, unknown>)[key]);
    }
  }
  return doc;
}

/** Whether a parsed JSON value is an object (not an array, not null): the shape every document and record must have. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
