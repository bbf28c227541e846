// What `edge-auth explain` may not print: the session token (a bearer credential in its own right)
// and the key id inside X-Amz-Credential. explain() in lib/schemes shows the canonical request as
// the verifier built it; the CLI knows the request, so it finds those values there and shows each
// as its length and a short hash, which is still enough to compare with a client's own form.
import { createHash } from 'node:crypto';
import { percentEncode } from '../core/encoding.ts';
import type { SignedRequest } from '../core/request.ts';
import type { SignatureExplanation } from '../schemes/descriptor.ts';

/** One redacted spot: where, how long the value was there, and the first 8 hex digits of its SHA-256 (UTF-8). */
export interface Redaction {
  readonly where: string;
  readonly length: number;
  readonly sha256: string;
}

/**
 * An explanation as `edge-auth explain` prints it: the canonical strings with credentials replaced, and
 * where each replacement was made.
 */
export interface RedactedExplanation extends SignatureExplanation {
  readonly redacted: readonly Redaction[];
}

const TOKEN_HEADER = 'x-amz-security-token';
const TOKEN_PARAM = 'x-amz-security-token';
const CREDENTIAL_PARAM = 'x-amz-credential';
// Values shorter than this are searched for as whole tokens only (not inside longer words), so a
// short key id is still found wherever it stands without mangling the rest of the output.
const MIN_SEARCH_LENGTH = 8;

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8);
}

/** `<redacted 40 chars sha256:1a2b3c4d>` */
export function redactionMark(value: string): string {
  return `<redacted ${value.length} chars sha256:${digest(value)}>`;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The forms a value may take in a canonical request: as sent, trimmed and collapsed, decoded, re-encoded. */
function formsOf(value: string): string[] {
  const forms = new Set<string>();
  const add = (v: string | undefined) => {
    if (v === undefined) return;
    forms.add(v);
    forms.add(v.trim());
    forms.add(v.trim().replace(/\s+/g, ' '));
    forms.add(percentEncode(v));
    forms.add(percentEncode(v, '/'));
  };
  add(value);
  add(decode(value));
  add(decode(value.replace(/\+/g, '%20')));
  return [...forms].filter((f) => f !== '');
}

/** Replaces every occurrence of `form` (a short one only as a whole token) with its redaction mark. */
function redactSearched(text: string, searched: readonly string[], record: (where: string, value: string) => void): string {
  let result = text;
  for (const form of searched) {
    if (!result.includes(form)) continue;
    const before = result;
    if (form.length >= MIN_SEARCH_LENGTH) result = result.split(form).join(redactionMark(form));
    else {
      const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      result = result.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g'), () => redactionMark(form));
    }
    if (result !== before) record('a token, key id or signature value elsewhere', form);
  }
  return result;
}

/** Every value explain must not show, found in the request: tokens, the key id, the signature. */
function sensitiveValues(req: SignedRequest, extra: readonly string[]): string[] {
  const values: string[] = [...extra];
  for (const [name, value] of req.headers) {
    const lower = name.toLowerCase();
    if (lower === TOKEN_HEADER) values.push(value);
    if (lower === 'authorization') {
      const credential = /Credential=([^,\s]*)/.exec(value)?.[1];
      if (credential) values.push(credential.split('/').slice(0, -4).join('/'));
      const signature = /Signature=([^,\s]*)/.exec(value)?.[1];
      if (signature) values.push(signature);
    }
  }
  for (const part of req.query.split('&')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = (decode(part.slice(0, eq)) ?? part.slice(0, eq)).toLowerCase();
    const value = part.slice(eq + 1);
    if (key === TOKEN_PARAM || key === 'x-amz-signature') values.push(value);
    if (key === CREDENTIAL_PARAM) {
      const credential = decode(value) ?? value;
      values.push(credential.split('/').slice(0, -4).join('/'));
    }
  }
  return values.filter((v) => v !== '');
}

/**
 * Redacts one canonical request: the x-amz-security-token header line, the X-Amz-Security-Token
 * query value and the key id part of X-Amz-Credential by position, then anything else sensitive by
 * search (whatever header or form it ended up in).
 */
function redactCanonical(text: string, searched: readonly string[], record: (where: string, value: string) => void): string {
  const lines = text.split('\n');
  const out = lines.map((line, i) => {
    if (line.toLowerCase().startsWith(TOKEN_HEADER + ':')) {
      const value = line.slice(TOKEN_HEADER.length + 1);
      record('the x-amz-security-token header', value);
      return line.slice(0, TOKEN_HEADER.length + 1) + redactionMark(value);
    }
    if (i !== 2 || line === '') return line;
    // Line 3 is the canonical query: encoded pairs joined with "&".
    return line
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq === -1) return pair;
        const key = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        const lower = key.toLowerCase();
        if (lower === TOKEN_PARAM && value !== '') {
          record('the X-Amz-Security-Token query parameter', value);
          return `${key}=${redactionMark(value)}`;
        }
        if (lower === CREDENTIAL_PARAM) {
          // <key id>/<date>/<region>/<service>/<terminator>, "/" encoded: the scope stays readable.
          const parts = value.split(/%2F/i);
          if (parts.length < 5) return pair;
          const keyId = value.slice(0, value.length - parts.slice(-4).join('%2F').length - 3);
          if (keyId === '') return pair;
          record('the key id in X-Amz-Credential', keyId);
          return `${key}=${redactionMark(keyId)}${value.slice(keyId.length)}`;
        }
        return pair;
      })
      .join('&');
  });
  return redactSearched(out.join('\n'), searched, record);
}

/**
 * explain()'s output with session tokens and the key id replaced by {@link redactionMark}, and the
 * list of what was redacted. `extra` adds values to search for (the configured secrets and tokens).
 */
export function redactExplanation(e: SignatureExplanation, req: SignedRequest, extra: readonly string[] = []): RedactedExplanation {
  // What the scheme itself says must not be shown (MAuth's app uuid), named by where it comes from.
  const named = new Map<string, string>();
  for (const r of e.redact ?? [])
    if (typeof r.value === 'string' && r.value !== '') for (const f of formsOf(r.value)) named.set(f, r.where);
  const searched = [...new Set([...sensitiveValues(req, extra).flatMap(formsOf), ...named.keys()])].sort((a, b) => b.length - a.length);
  const redacted = new Map<string, Redaction>();
  const record = (where: string, value: string) => {
    const r = { where: named.get(value) ?? where, length: value.length, sha256: digest(value) };
    redacted.set(JSON.stringify(r), r);
  };
  const clean = (text: string) => redactCanonical(text, searched, record);
  const cleanSts = (text: string) => redactSearched(text, searched, record);
  const alternatives = e.alternatives.map((a) => ({ canonicalRequest: clean(a.canonicalRequest), stringToSign: cleanSts(a.stringToSign) }));
  const { redact: _values, ...shown } = e;
  return {
    ...shown,
    canonicalRequest: clean(e.canonicalRequest),
    stringToSign: cleanSts(e.stringToSign),
    alternatives,
    redacted: [...redacted.values()],
  };
}
