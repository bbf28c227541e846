// valibot issues as lines that name a field and what is wrong with it, never a value from the
// input. Shared by the configuration loader and request.json, and kept apart from both so that
// importing one does not build the other's schemas.
import type * as v from 'valibot';

function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  return `a ${typeof input}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  tuple: 'an array',
  object: 'an object',
  strict_object: 'an object',
  record: 'an object',
};

/**
 * The message for a valibot issue that has no message of its own, built from the issue's kind,
 * type and the schema's requirement, never from the input: valibot's defaults quote the value
 * ("Expected string but received 12345678901234568"), and values here are secrets. Passed per call
 * (`safeParse(schema, input, SAFE_ISSUE_MESSAGES)`), so valibot's global configuration is left alone.
 */
export function safeIssueMessage(issue: v.BaseIssue<unknown>): string {
  const units = typeof issue.input === 'string' ? 'characters' : 'items';
  // A member that is not there at all (valibot reports what the member's schema expected).
  if (issue.kind === 'schema' && issue.input === undefined) return 'is required';
  switch (issue.type) {
    case 'strict_object':
      return issue.expected === 'never' ? 'unknown field' : `expected an object, got ${kindOf(issue.input)}`;
    case 'picklist':
      return `must be one of ${String(issue.expected)}`;
    case 'min_length':
      return `must be at least ${String(issue.requirement)} ${units}`;
    case 'max_length':
      return `must be at most ${String(issue.requirement)} ${units}`;
    case 'non_empty':
      return 'must not be empty';
    case 'min_value':
      return `must be at least ${String(issue.requirement)}`;
    case 'max_value':
      return `must be at most ${String(issue.requirement)}`;
    case 'integer':
      return 'must be an integer';
    case 'regex':
      return `must match ${String(issue.requirement)}`;
    case 'base64':
      return 'must be base64';
  }
  if (issue.kind === 'schema') return `expected ${EXPECTED[issue.type] ?? String(issue.expected)}, got ${kindOf(issue.input)}`;
  return `is not valid (${issue.type})`;
}

/** The per-call valibot configuration that keeps document values out of issue messages. */
export const SAFE_ISSUE_MESSAGES = { message: safeIssueMessage } as const;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Where an issue is, as `keys[1].secret`. Field names come from the document only for unknown fields
 * and record keys (header names); odd or long ones are shown by their length.
 */
export function issuePath(issue: v.BaseIssue<unknown>, root: string): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && key.length <= 64 && PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
    else if (typeof key === 'string' && key.length <= 64 && /^[\x20-\x7e]*$/.test(key)) out += `[${JSON.stringify(key)}]`;
    else out += `[<a name of ${typeof key === 'string' ? key.length : 0} characters>]`;
  }
  return out === '' ? root : out;
}

/** Each issue as `path: what is wrong`, with no value from the input in it. */
export function issueLines(issues: readonly v.BaseIssue<unknown>[], root: string): string[] {
  return issues.map((i) => `${issuePath(i, root)}: ${i.message}`);
}
