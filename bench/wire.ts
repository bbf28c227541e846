/**
 * Requests as a server hands them over: a request's head as wire bytes, and a fresh request rebuilt
 * from them per call (new strings, a new header list, a new body buffer). Every Node bench case gets
 * its input from here.
 */
import type { SignedRequest } from '../lib/core/request.ts';

/** The request's head as a server reads it off the wire: `METHOD path?query` and `name: value` lines. */
export function wireText(req: SignedRequest): string {
  return [req.method + ' ' + req.path + (req.query ? '?' + req.query : ''), ...req.headers.map(([n, v]) => n + ': ' + v)].join('\r\n');
}

/** Where each part of a request head lies in its wire bytes: [start, end) offsets, found once. */
export interface WireRequest {
  readonly bytes: Buffer;
  readonly method: readonly [number, number];
  readonly path: readonly [number, number];
  readonly query: readonly [number, number] | undefined;
  readonly headers: ReadonlyArray<readonly [number, number, number, number]>;
}

export function wireRequest(req: SignedRequest): WireRequest {
  const text = wireText(req);
  const bytes = Buffer.from(text, 'latin1');
  const lineEnd = text.indexOf('\r\n');
  const sp = text.indexOf(' ');
  const q = text.indexOf('?');
  const hasQuery = q !== -1 && q < lineEnd;
  const headers: Array<[number, number, number, number]> = [];
  for (let at = lineEnd + 2; at < text.length;) {
    let end = text.indexOf('\r\n', at);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', at);
    headers.push([at, colon, colon + 2, end]);
    at = end + 2;
  }
  return { bytes, method: [0, sp], path: [sp + 1, hasQuery ? q : lineEnd], query: hasQuery ? [q + 1, lineEnd] : undefined, headers };
}

/**
 * A request rebuilt from its wire bytes the way Node's HTTP parser hands one over: every name and value
 * a new string decoded from the bytes, a new header list and a new body buffer on every call, so no
 * cache keyed by a request object or a string can carry over from one call to the next.
 */
export function freshFrom(w: WireRequest, body: Uint8Array): SignedRequest {
  const b = w.bytes;
  const headers: Array<[string, string]> = [];
  for (const [ns, ne, vs, ve] of w.headers) headers.push([b.toString('latin1', ns, ne), b.toString('latin1', vs, ve)]);
  return {
    method: b.toString('latin1', w.method[0], w.method[1]),
    path: b.toString('latin1', w.path[0], w.path[1]),
    query: w.query ? b.toString('latin1', w.query[0], w.query[1]) : '',
    headers,
    body: Buffer.from(body),
  };
}
