import * as v from 'valibot';
import { fromBase64, fromUtf8, toBase64 } from './encoding.ts';
import { splitUrl, type SignedRequest } from './request.ts';

/**
 * request.json, the CLI's request format:
 * `{"method","url","headers":[[name,value],...] | {name:value},"body"}` or `"bodyBase64"`.
 */
const HEADER_NAME = v.pipe(v.string(), v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a header name'));

/**
 * The request.json schema: header names must be RFC 9110 tokens and `body` excludes `bodyBase64`, so a
 * document that could be read two ways is refused.
 */
export const RequestJsonSchema = v.pipe(
  v.strictObject({
    method: v.pipe(v.string(), v.regex(/^[A-Za-z]+$/, 'must be an HTTP method')),
    url: v.pipe(v.string(), v.regex(/^(https?:\/\/[^/?#\s]+)?\/[^\s]*$/, 'must be an absolute http(s) URL or a path starting with "/"')),
    headers: v.optional(
      v.union(
        [v.array(v.tuple([HEADER_NAME, v.string()])), v.record(HEADER_NAME, v.string())],
        'must be [["name", "value"], ...] or {"name": "value"} with string names and values',
      ),
      [],
    ),
    body: v.optional(v.string()),
    bodyBase64: v.optional(v.pipe(v.string(), v.base64('must be base64'))),
  }),
  v.check((r) => r.body === undefined || r.bodyBase64 === undefined, 'give "body" or "bodyBase64", not both'),
);

/** A request.json document as written (before defaults), for code that builds one to hand to the CLI. */
export type RequestJson = v.InferInput<typeof RequestJsonSchema>;

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

/** Invalid request.json; `issues` name the bad fields and what is wrong with them, never their values. */
export class RequestJsonError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid request JSON:\n  ${issues.join('\n  ')}`);
    this.name = 'RequestJsonError';
    this.issues = issues;
  }
}

/**
 * Converts parsed request.json into the request model: path and query exactly as written (never
 * normalised), a Host header from the URL when the headers have none.
 *
 * @throws RequestJsonError naming the bad fields.
 */
export function fromRequestJson(input: unknown): SignedRequest {
  const parsed = v.safeParse(RequestJsonSchema, input, SAFE_ISSUE_MESSAGES);
  if (!parsed.success) throw new RequestJsonError(issueLines(parsed.issues, '(request)'));
  const r = parsed.output;
  const { host, path, query } = splitUrl(r.url);
  const headers: Array<[string, string]> = Array.isArray(r.headers)
    ? r.headers.map(([n, val]) => [n, val] as [string, string])
    : Object.entries(r.headers).map(([n, val]) => [n, val] as [string, string]);
  if (host !== '' && !headers.some(([n]) => n.toLowerCase() === 'host')) headers.unshift(['Host', host]);
  const body =
    r.bodyBase64 !== undefined ? fromBase64(r.bodyBase64) : r.body !== undefined ? new TextEncoder().encode(r.body) : new Uint8Array();
  return { method: r.method.toUpperCase(), path, query, headers, body };
}

/** The request model back as request.json (headers as pairs; `body` when UTF-8, else `bodyBase64`). */
export function toRequestJson(req: SignedRequest, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    method: req.method,
    url: origin + req.path + (req.query === '' ? '' : '?' + req.query),
    headers: req.headers.map(([n, val]) => [n, val]),
  };
  if (req.body && req.body.length > 0) {
    try {
      out['body'] = fromUtf8(req.body);
    } catch {
      out['bodyBase64'] = toBase64(req.body);
    }
  }
  return out;
}
