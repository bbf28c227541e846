import * as v from 'valibot';
import { fromBase64, fromUtf8, toBase64 } from './encoding.ts';
import { splitUrl, type SignedRequest } from './request.ts';
import { issueLines, SAFE_ISSUE_MESSAGES } from './issues.ts';

export { issueLines, issuePath, SAFE_ISSUE_MESSAGES, safeIssueMessage } from './issues.ts';

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
