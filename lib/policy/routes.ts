import type { RouteConfig } from '../config/schema.ts';
import { percentDecode } from '../core/encoding.ts';
import { authError, type AuthError } from '../core/errors.ts';
import {
  isPlainRoutePath,
  normalizeRoutePath,
  resolveUrlPath,
  routeReadings,
  trimEnd,
  type PathRejection,
  type ReadBudget,
} from '../core/route-path.ts';

/**
 * What the route rules say about one request, taken over every reading of its path (each also
 * matched with case folded; a rule for GET also covers HEAD): the strictest answer any reading reaches. Public only when every reading lands on a
 * public rule; the permissions of every guarded reading are all required; `verifyInFunction` only
 * when every guarded reading's rule has it.
 */
export type RouteDecision =
  | {
      readonly ok: true;
      readonly public: boolean;
      readonly permissions: readonly string[];
      readonly verifyInFunction: boolean;
      /** The plain normalised path (for logs). */
      readonly path: string;
    }
  | { readonly ok: false; readonly error: AuthError };

/**
 * Headers by which an origin may act on another method than the one on the wire: Express's
 * method-override and Google's APIs (X-HTTP-Method-Override), OData and ASP.NET (X-HTTP-Method),
 * and others (X-Method-Override). Rails, Laravel and Spring also read `_method`.
 */
const METHOD_OVERRIDE_HEADERS: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const OVERRIDE_NAME_MIN = Math.min(...METHOD_OVERRIDE_HEADERS.map((h) => h.length));
const OVERRIDE_NAME_MAX = Math.max(...METHOD_OVERRIDE_HEADERS.map((h) => h.length));
const OVERRIDE_QUERY_KEY = '_method';
/** More override values than this in one request: refused, rather than judged on only some of them. */
const MAX_METHOD_READINGS = 8;

/**
 * Whether a header name is one of the {@link METHOD_OVERRIDE_HEADERS} as an origin reads it: any case,
 * and `_` as `-` (CGI, WSGI, Rack and PHP turn both into the same `HTTP_X_HTTP_METHOD_OVERRIDE`).
 */
function isMethodOverrideHeader(name: string): boolean {
  return (
    name.length >= OVERRIDE_NAME_MIN &&
    name.length <= OVERRIDE_NAME_MAX &&
    METHOD_OVERRIDE_HEADERS.includes(name.toLowerCase().replaceAll('_', '-'))
  );
}

/** The values of the method-override headers in a header list ({@link isMethodOverrideHeader}), each as sent. */
export function methodOverrideValues(headers: ReadonlyArray<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) if (isMethodOverrideHeader(name)) out.push(value);
  return out;
}

/**
 * A query key or value decoded as a form decodes it (the core's percentDecode: every valid escape, bad
 * ones kept, "+" a space), so a NUL after a bad escape (`_method%00%`) is still seen and cut by
 * {@link phpKey}. Escapes that are not UTF-8: a key is read byte by byte, as PHP reads it; a value is
 * kept as sent.
 */
function decodeQueryPart(part: string, key: boolean): string {
  try {
    return percentDecode(part, true);
  } catch {
    if (!key) return part;
    return part.replaceAll('+', ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/**
 * A query key as PHP names it (Laravel and Symfony read `_method` there): leading spaces (and `+`, as
 * an already decoded query may carry it) dropped, cut at a NUL, `.`, space and an unclosed `[` as `_`.
 */
function phpKey(key: string): string {
  let k = key.replace(/^[ +]+/, '');
  const nul = k.indexOf('\u0000');
  if (nul !== -1) k = k.slice(0, nul);
  const open = k.indexOf('[');
  if (open !== -1 && k.indexOf(']', open) === -1) k = k.slice(0, open) + '_' + k.slice(open + 1);
  return k.replace(/[. ]/g, '_');
}

/**
 * Every method an origin could act on for this request: the method on the wire, and each value of a
 * method-override header (`overrides`, as {@link methodOverrideValues} finds them; a value may list
 * several, comma-separated, as repeated headers arrive joined) or of a `_method` query parameter,
 * upper-cased. A route decision is taken over all of them, the strictest winning, as over the readings
 * of a path. `undefined` when a request names more than eight: refused, never judged on some only.
 * `_method` in a form body (Rails, Spring) is not seen here: see README, "Routes".
 */
export function methodReadings(method: string, overrides: readonly string[], rawQuery: string): string[] | undefined {
  const methods = [method.toUpperCase()];
  // False once there are too many: the caller refuses, so the rest need not be read (linear, not quadratic).
  const add = (value: string): boolean => {
    const m = value.trim().toUpperCase();
    if (m !== '' && !methods.includes(m)) methods.push(m);
    return methods.length <= MAX_METHOD_READINGS;
  };
  for (const value of overrides) for (const part of value.split(',')) if (!add(part)) return undefined;
  if (rawQuery !== '') {
    for (const pair of rawQuery.split('&')) {
      const eq = pair.indexOf('=');
      if (
        eq !== -1 &&
        phpKey(decodeQueryPart(pair.slice(0, eq), true)) === OVERRIDE_QUERY_KEY &&
        !add(decodeQueryPart(pair.slice(eq + 1), false))
      )
        return undefined;
    }
  }
  return methods;
}

/** The compiled route rules of a configuration, asked once per request after the path is read every way an origin could. */
export interface RouteTable {
  /**
   * The decision for a method (or several, the strictest winning: {@link methodReadings}) and a raw
   * path (as on the wire, or as the platform hands it on), the path read once. With `behindBasePaths`
   * (the Lambda adapters), each reading is also judged as an app that takes a configured base path
   * off itself may act on it ({@link basePathTails}); with `tailsOnly` too, only those (for a path
   * whose other readings name the resource as another candidate does: a custom domain's path beside
   * the path rebuilt from the route's template). Never throws.
   */
  decide(method: string | readonly string[], rawPath: string, behindBasePaths?: boolean, tailsOnly?: boolean): RouteDecision;
}

const SPLIT_TEXT = 'request path starts with what URL parsers read as a scheme, white space or a user@host';
const REPEATS_TEXT = 'request path repeats a base path too often';
const HOSTS_TEXT = 'request path names a host too often';

/** A refusal of the request for its path (400; behind API Gateway, a Deny): `message` says what is wrong with it. */
const refused = (message: string): RouteDecision => ({ ok: false, error: authError('ERR_PATH_REJECTED', message) });

const REJECTION_TEXT: Record<PathRejection, string> = {
  'control-character': 'request path contains a control character',
  'invalid-utf8': 'request path contains escapes that are not valid UTF-8',
  'not-absolute': 'request path must start with "/"',
  'too-many-readings': 'request path holds too many escapes, separators and dot segments to be read every way an origin could',
};

/**
 * Case folding as case-insensitive servers do it, Java's included: upper-case then lower-case, so
 * the dotless "ı" and the long "ſ" fold like "i" and "s", and the dot that lower-casing "İ" leaves
 * behind is dropped.
 *
 * @internal
 */
export function foldCase(text: string): string {
  // ASCII only (every plain path): upper- then lower-casing is lower-casing, and there is no U+0307.
  return NON_ASCII_RE.test(text) ? foldCaseFull(text) : text.toLowerCase();
}

/** Any UTF-16 code unit past ASCII (a surrogate included). */
const NON_ASCII_RE = /[\u0080-\uffff]/;

/**
 * {@link foldCase} without its ASCII short cut: what the short cut must always agree with (tested).
 *
 * @internal
 */
export function foldCaseFull(text: string): string {
  return text
    .toUpperCase()
    .toLowerCase()
    .replace(/\u0307/g, '');
}

/**
 * More paths than this that apps could make of one reading by taking base paths off: the request is
 * refused, rather than judged on only some of them (no real path repeats its base path that often).
 */
const MAX_BASE_PATH_TAILS = 16;

/**
 * Most characters read again, every way, for the paths the apps make of the raw text and of its other
 * forms, and for those paths' own other forms (each distinct string once): a short path may make all
 * 16, a path at the 16 KiB URL limit four; at the largest limit (64 KiB) a plain path passes, one with
 * escapes and dots (two paths to read again) up to 32 KiB. Past it the request is refused, as above.
 */
const MAX_REREAD_CHARACTERS = 64 * 1024;

/** How many readings of a path one decision reads every way again ({@link mayReadAnew}); past it, the path is refused. */
const MAX_REREADS = 32;

/** How often a path loses a first segment that URL parsers take as a host: a front's parser, then the app's. */
const MAX_HOST_DROPS = 2;

/**
 * Most bytes the readings of one decision may read (each `routeReadings` pass over the path, its other
 * forms, what apps make of it behind base paths and what is left after a host drop; a few single
 * passes, bounded on their own, are not charged): 128 passes over a path at the
 * default 16 KiB URL limit, 32 at the largest (64 KiB). A path that needs more is refused before the
 * pass that would overdraw it. Ordinary paths need a pass or a few (one with escapes, dots and
 * `//` about ten); paths with an escaped slash, dot segments, `;params` and escaped names all along
 * them up to about 70, and behind a base path, whose tails are read again, up to about 125; only paths
 * built of every spelling at once need more, and reading those every way cost up to 0.6 s at 64 KiB
 * before this bound.
 */
export const MAX_READ_BYTES = 2 * 1024 * 1024;

/** A configured base path, normalised, and how a router mounted under it (Express) matches it: at the start, in any case, up to a "/" or the end. */
export interface BasePath {
  readonly text: string;
  readonly mount: RegExp;
}

/** Compiles `lambda.basePaths` for {@link basePathTails}. @internal */
export function compileBasePaths(basePaths: readonly string[]): BasePath[] {
  return [...new Set(basePaths.map(normalizeRoutePath))]
    .filter((b) => b !== '/')
    .map((text) => ({ text, mount: new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?=/|$)', 'iy') }));
}

/**
 * The paths an app may route after taking configured base paths off one reading `path` itself, as the
 * apps that do it do: in front of the app, serverless-http's `basePath` cuts the path after the base
 * path's first occurrence anywhere (an `indexOf`, not only at a segment boundary), and Lambda Web
 * Adapter's `AWS_LWA_REMOVE_BASE_PATH` strips it as often as it repeats at the start (Rust's
 * `trim_start_matches`) and sets what is left as a URL path, with a "/" put in front and dot segments
 * resolved (both forms are returned); then a router mounted under a base path (Express's `app.use('/v1', router)`) strips it at
 * the start, in any case, up to a "/" or the end, once per mount. A cut that leaves no leading "/"
 * (serverless-http's `/v10/x` without `/v1`: `0/x`) is what URL parsers make of it ({@link urlPathsOf}):
 * `admin` of `/x/v1admin` is `/admin` to `new URL(req.url, base)`; one they split in other ways
 * (`x:h/admin` of `/v1x:h/admin` is `/admin` to Express) makes this `null`: refused
 * ({@link splitByParsers}). `undefined` when there are more than {@link MAX_BASE_PATH_TAILS} such
 * paths. Linear in the path for each base path.
 *
 * @internal
 */
export function basePathTails(path: string, bases: readonly BasePath[]): string[] | undefined | null {
  const found = new Set<string>();
  // In front of the app: nothing, serverless-http, or Lambda Web Adapter.
  const fronted = [path];
  for (const { text } of bases) {
    const at = path.indexOf(text);
    if (at !== -1) {
      const rest = path.slice(at + text.length);
      if (rest === '' || rest.charCodeAt(0) === 0x2f) fronted.push(rest || '/');
      else if (splitByParsers(rest)) return null;
      else fronted.push(...urlPathsOf(rest));
    }
    if (path.startsWith(text)) {
      let end = 0;
      while (path.startsWith(text, end)) end += text.length;
      const rest = path.slice(end);
      // What it sets: as text (a reading that keeps dots is resolved with merged slashes by the caller);
      // as a URL path setter makes it (`%2F` kept as text while dot segments around it go:
      // `/x/%2e%2e/admin%2F..%2F..%2Fitems` is `/admin%2F..%2F..%2Fitems`, which an app that decodes
      // `%2F` routes under /admin); and resolved with `%2F` read as "/" too (empty segments kept:
      // `/admin//..` is `/admin/`).
      const set = rest.charCodeAt(0) === 0x2f ? rest : '/' + rest;
      fronted.push(set, urlSetPath(set), resolveUrlPath(set));
    }
  }
  // Then routers mounted under base paths, one after another.
  const todo = [...fronted];
  for (const p of fronted) if (p !== path) found.add(p);
  while (todo.length > 0) {
    const p = todo.pop()!;
    for (const { mount } of bases) {
      mount.lastIndex = 0;
      const m = mount.exec(p);
      if (m === null) continue;
      const rest = p.slice(m[0].length) || '/';
      if (rest === path || found.has(rest)) continue;
      found.add(rest);
      todo.push(rest);
    }
    if (found.size > MAX_BASE_PATH_TAILS) return undefined;
  }
  // The loop runs at least once (for `path`), so its check has seen every path added.
  return [...found];
}

/**
 * The other forms of a path that fronts pass on. A front that parses the path as a URL (Lambda Web
 * Adapter, a WHATWG server, an app that builds a `Request`) resolves dot segments around an escaped
 * slash it keeps as text, and an app behind it may then decode that slash and keep its dots:
 * `/../admin%2F../public/..` is `/admin%2F../` there, `/admin/../` to the app, which no reading of the
 * text itself makes; likewise it pops a `..;` segment that Tomcat would then cut to `..`
 * (`/admin;/..;/..` is `/admin;/`, which Tomcat routes as `/admin/`). A parser given the whole URL, and
 * Node's `url.parse` (Express's parseurl falls back to it), trim trailing whitespace first (REST hands
 * over a decoded `%20` or `%EF%BB%BF`): `/admin/..;/.. ` is `/admin/` there, `/admin\uFEFF` is `/admin`.
 * Only a path with a "\\" (a "/" to the URL before any decoding: serverless-http behind such a front
 * finds `/v1` in `/%761/x/v1\\admin` after the `%761` that every reading decodes), trailing whitespace,
 * or a dot beside an escape or a ";", has such forms. Linear in the path.
 */
function otherForms(path: string): string[] {
  // "//x/admin" and "/\\x/admin" are "/admin" to a URL parser, which takes the first segment as a host.
  if (startsWithHost(path)) {
    const forms = new Set([...formsOf(path), ...urlPathsOf(path)]);
    forms.delete(path);
    return [...forms];
  }
  return formsOf(path);
}

/**
 * Two dots side by side, as any reading may spell or make them: `.`, `%2e` (escaped again or not), IIS's `%u002e`,
 * and the characters NFKC makes a dot of (fullwidth, small, one-dot leader); or a leader NFKC makes two or three of.
 */
const TWO_DOTS_RE = /(?:\.|%(?:25)*2e|%u002e|[\uFF0E\uFE52\u2024])(?:\.|%(?:25)*2e|%u002e|[\uFF0E\uFE52\u2024])|[\u2025\u2026]/i;
/** A separator, escaped (IIS's `%u` too) or fullwidth or not; beside another, or beside a ";" (which a cut makes an empty segment of). */
const MAY_EMPTY_RE =
  /[/\uFF0F](?:%2f|%5c|%u002f|%u005c|\\|;|%3b|[\uFF0F\uFF3C])|(?:%2f|%5c|%u002f|%u005c|\\|[\uFF0F\uFF3C])(?:[/\uFF0F]|%2f|%5c|%u002f|%u005c|\\|;|%3b|[\uFF0F\uFF3C])/i;
/** An escape escaped again (`%252F`, or IIS's `%25u002e`): a second decoding makes an escape of it. */
const ESCAPED_ESCAPE_RE = /%25(?:[0-9a-f]{2}|u[0-9a-f]{4})/i;

/**
 * Whether a segment of `reading` is a name Windows trims (it ends in a dot or a space, and is not "." or ".."): one
 * pass, no regular expression (one that tries every start in a run of spaces is quadratic in it).
 */
function hasTrimmedName(reading: string): boolean {
  for (let end = reading.indexOf('/', 1); ; end = reading.indexOf('/', end + 1)) {
    const at = end === -1 ? reading.length : end;
    const last = reading.charCodeAt(at - 1);
    if (last === 0x20 || last === 0x2e) {
      const start = reading.lastIndexOf('/', at - 1) + 1;
      const dots = at - start <= 2 && reading.charCodeAt(start) === 0x2e && last === 0x2e;
      if (!dots) return true;
    }
    if (end === -1) return false;
  }
}

/**
 * Whether reading `reading` every way again may judge it otherwise than the readings it came with: it may hold a ".."
 * (which a reading that kept it as text, or trimmed it out of `.. `, leaves for the next origin to pop, before or after
 * it decodes an escaped slash, cuts a ";" or trims a name), an empty segment that a decoding or a cut makes (which a
 * URL parser takes a host after), a trimmed name, an escape escaped again, or a character NFKC changes. Any other
 * reading read again decodes, splits, cuts and merges as the path's own readings did: tested against reading every
 * reading again.
 */
function mayReadAnew(reading: string): boolean {
  return (
    TWO_DOTS_RE.test(reading) ||
    MAY_EMPTY_RE.test(reading) ||
    hasTrimmedName(reading) ||
    ESCAPED_ESCAPE_RE.test(reading) ||
    (/[^\0-\x7f]/.test(reading) && reading.normalize('NFKC') !== reading)
  );
}

/** Whether a URL parser takes a host from the start of `path` ("//" or "/\\"). */
const startsWithHost = (path: string) => path.charCodeAt(1) === 0x2f || path.charCodeAt(1) === 0x5c;

function formsOf(path: string): string[] {
  const trimmed = trimEnd(path, isTrailingSpace);
  if (!(path.includes('\\') || trimmed !== path || (DOT_RE.test(path) && (path.includes('%') || path.includes(';'))))) return [];
  const set = urlSetPath(path);
  const forms = new Set([trimmed, set, trimmed === path ? set : urlSetPath(trimmed)]);
  forms.delete(path);
  return [...forms];
}

/**
 * The paths URL parsers make of a request target, other than those of the text itself: Node's
 * `url.parse` (where Express's parseurl sends a target that does not start with "/" or holds white
 * space: white space trimmed, "\\" read as "/", then after "//" a host) and `new URL(target, base)`
 * (the same, and a relative target resolved against "/"). The pathname of each, when it has one that
 * starts with "/". A target they read a scheme or a user@host in is refused before ({@link splitByParsers}).
 * Linear in the target.
 */
function urlPathsOf(target: string): string[] {
  const out: string[] = [];
  const t = trimEnd(target, isParseSpace).replace(/\\/g, '/');
  if (t.startsWith('//')) {
    const slash = t.indexOf('/', 2);
    out.push(slash === -1 ? '/' : t.slice(slash));
  }
  if (t.charCodeAt(0) === 0x2f) out.push(t);
  try {
    const pathname = new URL(target, 'http://h/').pathname;
    if (pathname.charCodeAt(0) === 0x2f) out.push(pathname);
  } catch {
    // No URL: no app routes it.
  }
  return out;
}

/**
 * Whether parsers split this request target (a path, or what serverless-http's cut leaves of it) in
 * ways no reading follows. Node's `url.parse` (where Express's parseurl sends a target that does not
 * start with "/" or holds white space) drops white space in front and a scheme with, for most schemes,
 * a host after it (`x:h/admin` is `/admin`; `new URL(target, base)` reads `https:admin` against an
 * https base as `/admin`), and a `//user@host` anywhere a mount may cut the path (after "\\" is read as
 * "/"); Express's mount then cuts `req.url` by the length of a pathname that no longer starts where
 * the text does (`//u@admin/api/x ` under `app.use('/api')` is routed as `/admin/api/x`). A scheme
 * with no "/" after it (`s:list` of `/v2/apis:list` behind `/api`) has no pathname, and no route: it
 * passes, unless URLs resolve it against a base of that scheme (http, https, ws, wss, ftp, file). No client sends the others: the request is refused.
 *
 * @internal
 */
export function splitByParsers(target: string): boolean {
  let start = 0;
  while (start < target.length && isParseSpace(target.charCodeAt(start))) start++;
  const t = start === 0 ? target : target.slice(start);
  const scheme = SCHEME_RE.exec(t);
  if (scheme) return SPECIAL_SCHEME_RE.test(scheme[0]) || t.includes('/', scheme[0].length) || t.includes('\\', scheme[0].length);
  if (start > 0 && (t.charCodeAt(0) === 0x2f || t.charCodeAt(0) === 0x5c)) return true;
  return USERINFO_RE.test(t);
}

/** A scheme in front. */
const SCHEME_RE = /^[a-z0-9.+-]+:/i;
/** A scheme whose URL is resolved against a base of that scheme (`https:admin` is `/admin` there). */
const SPECIAL_SCHEME_RE = /^(?:https?|wss?|ftp|file):$/i;
/** Two slashes (either way) then a segment with a "@", anywhere. */
const USERINFO_RE = /[/\\]{2}[^/\\]*@/;

/** White space Node's url.parse trims at both ends of a target (tab, LF and CR are refused in any path anyway). @internal */
export const isParseSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0xa0 || c === 0xfeff;

/** The path of "//host/path" (any number of slashes in front, as a URL parser skips them): "/" when there is none. */
function withoutHost(path: string): string {
  let at = 0;
  while (path.charCodeAt(at) === 0x2f) at++;
  const slash = path.indexOf('/', at);
  return slash === -1 ? '/' : path.slice(slash);
}

/**
 * Where the text that decides which rules match `path` ends: after its first `deciding` ASCII
 * characters (or at its end). A rule matches on at most its pattern's length plus one (an exact
 * pattern, trailing "/" aside), so two paths at least `deciding` long (a pattern's length plus two)
 * that share this text match the same rules: as they stand, and case-folded too, for an ASCII
 * character folds to one character and any other to none or more, and folding stops at the "/" that
 * follows it in either path.
 *
 * @internal
 */
export function decidingPrefixEnd(path: string, deciding: number): number {
  if (deciding <= 0) return 0;
  let ascii = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) < 0x80 && ++ascii === deciding) return i + 1;
  return path.length;
}

/**
 * The part of `path` rules decide on: up to the first "/" after its {@link decidingPrefixEnd}, or all
 * of it. Any text put in front of it too (a mount's), it matches the rules `path` matches.
 *
 * @internal
 */
export function decidingText(path: string, deciding: number): string {
  const end = decidingPrefixEnd(path, deciding);
  const slash = end < path.length ? path.indexOf('/', end) : -1;
  return slash === -1 ? path : path.slice(0, slash);
}

function asciiCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x80) n++;
  return n;
}

/** A segment that may be a dot segment. */
const MAY_HOLD_DOT_SEGMENT_RE = /\/(?:\.|%2e)/i;

/** Whether `path` holds `%2e` (either case) at `at`. */
const escapedDotAt = (path: string, at: number) =>
  path.charCodeAt(at) === 0x25 && path.charCodeAt(at + 1) === 0x32 && (path.charCodeAt(at + 2) | 0x20) === 0x65;

/**
 * The dot segment `path` holds from `start` to `end`, as a URL parser reads one: 1 for `.` or `%2e`,
 * 2 for `..`, `.%2e`, `%2e.` or `%2e%2e` (escapes in either case), 0 for any other segment.
 */
function urlDotSegment(path: string, start: number, end: number): 0 | 1 | 2 {
  switch (end - start) {
    case 1:
      return path.charCodeAt(start) === 0x2e ? 1 : 0;
    case 2:
      return path.charCodeAt(start) === 0x2e && path.charCodeAt(start + 1) === 0x2e ? 2 : 0;
    case 3:
      return escapedDotAt(path, start) ? 1 : 0;
    case 4:
      return (path.charCodeAt(start) === 0x2e && escapedDotAt(path, start + 1)) ||
        (escapedDotAt(path, start) && path.charCodeAt(start + 3) === 0x2e)
        ? 2
        : 0;
    case 6:
      return escapedDotAt(path, start) && escapedDotAt(path, start + 3) ? 2 : 0;
    default:
      return 0;
  }
}

/**
 * The paths handlers mounted at the segments of `path` that rules may still see (mount text of fewer
 * than `deciding` ASCII characters) route, when they read what follows their mount as `new URL()`
 * does: dot segments resolved at their own root, so `/api/../admin/y` is `/admin/y` to a handler
 * mounted at `/api` (`app.use('/api', h)`), that is `/api/admin/y` in the route table, where a reading
 * of the whole path pops `/api`. Each on its deciding text ({@link decidingText}), and only where what
 * follows the mount holds a dot segment (elsewhere it is the path itself). One pass, right to left.
 * Those that hold "//" where rules look, for a handler they are handed on to to take a host from, are
 * also added whole to `withHost`.
 *
 * @internal
 */
export function mountedReadings(path: string, deciding: number, withHost?: string[]): string[] {
  if (!MAY_HOLD_DOT_SEGMENT_RE.test(path)) return [];
  // A mount's text is what comes before a "/" at `at` (1 <= at < limit), ending in a segment, not empty (a
  // "//" is a host drop's concern).
  const limit = decidingPrefixEnd(path, deciding);
  const first = path.indexOf('/', 1);
  if (first === -1 || first >= limit) return [];
  const out: string[] = [];
  // What follows each "/", resolved at its own root, right to left: each double-dot segment drops the nearest
  // segment before it that is kept, or nothing at the root; a dot segment at the end leaves a "/". Kept
  // segments are [start, end) pairs, the nearest to the front last.
  const kept: number[] = [];
  // "/" + each kept segment, front to back: what follows a mount in the whole path it routes. Joined once, when a
  // whole path is first needed, then grown at the front, so each whole path is one concatenation (not one per
  // segment: a path of 30,000 kept segments made every whole a chain of as many strings).
  let keptText: string | undefined;
  let keptIn = 0;
  const keptWhole = (): string => {
    if (keptText === undefined) {
      const parts = [''];
      for (let j = kept.length - 2; j >= 0; j -= 2) parts.push(path.slice(kept[j], kept[j + 1]));
      keptText = parts.join('/');
    } else {
      for (let j = keptIn; j < kept.length; j += 2) keptText = '/' + path.slice(kept[j], kept[j + 1]) + keptText;
    }
    keptIn = kept.length;
    return keptText;
  };
  let pops = 0;
  let dots = false;
  for (let end = path.length; end > 0;) {
    const at = path.lastIndexOf('/', end - 1);
    const dot = urlDotSegment(path, at + 1, end);
    if (dot > 0) {
      if (end === path.length) kept.push(end, end);
      if (dot === 2) pops++;
      dots = true;
    } else if (pops > 0) pops--;
    else kept.push(at + 1, end);
    if (dots && at > 0 && at < limit && path.charCodeAt(at - 1) !== 0x2f) {
      // A handler mounted at path[0, at) routes "/" + the kept segments, and with empty ones merged (as a router
      // or a normalize() after the URL's may): rules see the deciding text of each.
      const mount = path.slice(0, at);
      if (kept.length === 0) out.push(mount + '/');
      for (const merge of [false, true]) {
        let routed = mount;
        let ascii = asciiCount(mount);
        let merged = false;
        let k = kept.length - 2;
        for (; k >= 0 && ascii < deciding; k -= 2) {
          if (merge && kept[k] === kept[k + 1] && k > 0) {
            merged = true;
            continue;
          }
          const segment = path.slice(kept[k], kept[k + 1]);
          routed += '/' + segment;
          ascii += 1 + asciiCount(segment);
        }
        if (kept.length > 0 && (!merge || merged)) out.push(routed);
        // A "//" in what rules see of it (an empty segment kept, not the last; or one just past it): a handler it is
        // handed on to takes what follows for a host. Added whole, for a host drop.
        if (withHost && !merge && (/\/\/./.test(routed) || (k > 0 && kept[k] === kept[k + 1]))) withHost.push(mount + keptWhole());
      }
    }
    end = at;
  }
  return out;
}

/** What is left of a path after a handler took a host off it, its readings once read, and the mounts it was judged behind. */
interface HostlessRest {
  readonly text: string;
  readings: ReadonlyArray<readonly [reading: string, decides: string]> | undefined;
  readonly mounts: Set<string>;
}

/** Whitespace that a URL parser and Node's url.parse trim from the end of a path (REST hands over a decoded %20, %C2%A0 or %EF%BB%BF). */
const isTrailingSpace = (c: number) => c === 0x20 || c === 0xa0 || c === 0xfeff;

/** A dot, or one escaped once or more. */
const DOT_RE = /\.|%(?:25)*2e/i;

/** The path a URL has after its path is set to `path` (WHATWG: what Lambda Web Adapter's `Url::set_path` does). */
function urlSetPath(path: string): string {
  const url = new URL('http://h/');
  url.pathname = path;
  return url.pathname;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * `"*"` matches everything; `"/prefix/*"` matches `/prefix`, `/prefix/` and everything below it;
 * `"/pre*"` matches paths starting with `/pre`; `"/exact"` matches `/exact` and `/exact/` (origins
 * commonly serve both). Both sides are normalised paths.
 */
export function matchesPattern(pattern: string, path: string): boolean {
  return matches(compilePattern(pattern), path);
}

/** A pattern taken apart once, so that matching it slices nothing: {@link matchesPattern}'s four kinds. */
interface CompiledPattern {
  readonly kind: 'all' | 'below' | 'prefix' | 'exact';
  /** `below`: the directory with its "/"; `prefix`: the text before "*"; `exact`: the path without a trailing "/". */
  readonly text: string;
  /** `below`: the directory without its "/". */
  readonly bare: string;
}

function compilePattern(pattern: string): CompiledPattern {
  if (pattern === '*') return { kind: 'all', text: '', bare: '' };
  if (pattern.endsWith('/*')) return { kind: 'below', text: pattern.slice(0, -1), bare: pattern.slice(0, -2) };
  if (pattern.endsWith('*')) return { kind: 'prefix', text: pattern.slice(0, -1), bare: '' };
  return { kind: 'exact', text: trimSlash(pattern), bare: '' };
}

function matches(p: CompiledPattern, path: string): boolean {
  switch (p.kind) {
    case 'all':
      return true;
    case 'below':
      return path.startsWith(p.text) || path === p.bare;
    case 'prefix':
      return path.startsWith(p.text);
    default:
      // trimSlash(path) === p.text, without the slice.
      return path.length > 1 && path.endsWith('/') ? path.length === p.text.length + 1 && path.startsWith(p.text) : path === p.text;
  }
}

/**
 * Builds the route table of a configuration: first match wins for each reading. (`internal.plainShortCut:
 * false` reads plain paths the long way too, and `internal.rereadAll` every reading but a plain one again: what the
 * short cut and {@link mayReadAnew} must agree with, tested; `readBytes` and `maxRereads` replace the bounds.)
 *
 * @example
 * const table = createRouteTable(config.routes);
 * const decision = table.decide('GET', '/admin/..%2Fusers'); // the strictest answer over every reading of
 * the path
 */
export function createRouteTable(
  routes: readonly RouteConfig[],
  basePaths: readonly string[] = [],
  internal: {
    readonly plainShortCut?: boolean;
    readonly readBytes?: number;
    readonly rereadAll?: boolean;
    readonly maxRereads?: number;
  } = {},
): RouteTable {
  const rules = routes.map((r) => {
    const pattern = r.path === '*' ? '*' : normalizeRoutePath(r.path);
    const folded = foldCase(pattern);
    return { rule: r, pattern, folded, asIs: compilePattern(pattern), caseless: compilePattern(folded) };
  });
  const bases = compileBasePaths(basePaths);
  // No rule looks past this many characters of a path, as it stands or case-folded ({@link decidingPrefixEnd});
  // "*" looks at none.
  const deciding = Math.max(0, ...rules.filter((r) => r.pattern !== '*').map((r) => Math.max(r.pattern.length, r.folded.length) + 2));
  // Most servers answer HEAD with their GET handler: a rule for GET covers HEAD too.
  const allows = (rule: RouteConfig, method: string) =>
    rule.methods.includes('*') || rule.methods.includes(method) || (method === 'HEAD' && rule.methods.includes('GET'));
  // Express, IIS and others route case-insensitively: each reading is also matched with case folded.
  const first = (method: string, path: string, folded: boolean): RouteConfig | undefined => {
    for (const r of rules) if (matches(folded ? r.caseless : r.asIs, path) && allows(r.rule, method)) return r.rule;
    return undefined;
  };
  return {
    decide(method, rawPath, behindBasePaths = false, tailsOnly = false) {
      // A "?" or "#" in a route path comes only from an escape that REST decoded (%3F, %23; on the wire and in
      // a URL they end the path): every reading stops there, while an origin may not (a URL path setter, as
      // Lambda Web Adapter's, escapes them and goes on: /x#/../admin is /admin). No client needs one: refused.
      if (rawPath.includes('?') || rawPath.includes('#')) return refused('request path holds an escaped "?" or "#"');
      // Read at the first judgement, after every refusal that needs no rule (so a caller's odd method never turns one into a throw).
      let methods: string[] | undefined;
      let guarded = false;
      let inFunction = true;
      const permissions = new Set<string>();
      // A reading that no rule makes public is guarded.
      const judge = (rule: RouteConfig | undefined): void => {
        if (rule?.public) return;
        guarded = true;
        if (!rule?.verifyInFunction) inFunction = false;
        for (const p of rule?.permissions ?? []) permissions.add(p);
      };
      const judgeAt = (path: string): void => {
        const folded = foldCase(path);
        methods ??= typeof method === 'string' ? [method.toUpperCase()] : method.map((m) => m.toUpperCase());
        for (const m of methods) {
          judge(first(m, path, false));
          judge(first(m, folded, true));
        }
      };
      const decision = (path: string): RouteDecision => ({
        ok: true,
        public: !guarded,
        permissions: [...permissions],
        verifyInFunction: guarded && inFunction,
        path,
      });
      const loose = behindBasePaths && bases.length > 0;
      // Most paths are plain: one reading, itself ({@link isPlainRoutePath}). Such a path has no other form, nothing
      // a parser splits, no dot segment for a mounted handler to resolve and no "//" to take a host after, so all
      // that follows would judge it alone, or (`tailsOnly` without base paths) nothing (tested against it). Behind
      // base paths its tails are judged too: below.
      if (!loose && internal.plainShortCut !== false && isPlainRoutePath(rawPath)) {
        if (!tailsOnly) judgeAt(rawPath);
        return decision(rawPath);
      }
      // Each reading, and (behind base paths) the paths an app that strips them may make of it; each is
      // matched as it stands and with case folded.
      const forms = otherForms(rawPath);
      if (splitByParsers(rawPath) || forms.some(splitByParsers)) return refused(SPLIT_TEXT);
      // Every reading below is charged to this decision's one budget.
      const budget: ReadBudget = { bytes: internal.readBytes ?? MAX_READ_BYTES };
      const judged = loose || tailsOnly ? new Set<string>() : undefined;
      // Behind base paths, what the apps make of the path is bounded first, before anything is read.
      let reread: Set<string> | undefined;
      if (loose) {
        // The apps strip the path as it reaches them, before any decoding (serverless-http's indexOf
        // finds `/v1` in `/x/%761x/v1/admin` where the decoded `/x/v1x/v1/admin` has it earlier, and
        // cuts through a `#` that ends every reading), or as a front passes it on: each path they make of
        // that text, and each other form of it, is read every way again, each string once.
        reread = new Set<string>();
        let characters = 0;
        // A path an app makes and a parser then reads again (`//api/v1/admin` is `/v1/admin` to new URL()) may
        // meet a router mounted under a base path after that: such forms are stripped in turn. Each is a new
        // string in `reread`, counted against the bound, so this ends.
        const sources = [rawPath, ...forms];
        for (let i = 0; i < sources.length; i++) {
          const tails = basePathTails(sources[i]!, bases);
          if (tails === null) return refused(SPLIT_TEXT);
          if (tails === undefined) return refused(REPEATS_TEXT);
          for (const p of tails)
            for (const f of reread.has(p) ? [] : [p, ...otherForms(p)]) {
              if (reread.has(f)) continue;
              if (splitByParsers(f)) return refused(SPLIT_TEXT);
              reread.add(f);
              characters += f.length;
              if (f !== p) sources.push(f);
            }
          if (characters > MAX_REREAD_CHARACTERS) return refused(REPEATS_TEXT);
        }
      }
      const read = routeReadings(rawPath, budget);
      if (!read.ok) return refused(REJECTION_TEXT[read.reason]);
      // The readings of the path and of its other forms. A reading is also what a decoding front hands an app (REST
      // decodes `%2F` and `%40` before it does). One that starts with "//" or "/\\" is one a URL parser takes a host
      // from, and so has other forms of its own: `/%2F//..%2F../admin/..` decoded is `////../../admin/..`, which Node's
      // url.parse reads (an empty host) as `//../../admin/..`, where a mounted handler and a host drop find `/admin/`.
      // Those forms are read too, and theirs, each string once, until none is new (the budget bounds it). Another
      // reading's forms are taken only when it is read again (below): re-escaping every reading with dots (a URL path
      // setter's form) and reading it every way cost a long path the whole read budget.
      const all = new Set(read.readings);
      const passed = new Set([rawPath, ...forms]);
      const unread = [...forms];
      let rereads = 0;
      const unformed = [...read.readings];
      while (unread.length > 0 || unformed.length > 0) {
        const form = unread.pop();
        if (form !== undefined) {
          const again = routeReadings(form, budget);
          if (!again.ok) return refused(REJECTION_TEXT[again.reason]);
          for (const r of again.readings)
            if (!all.has(r)) {
              all.add(r);
              unformed.push(r);
            }
          continue;
        }
        // Each reading is queued once (`all` holds those queued).
        const r = unformed.pop()!;
        if (splitByParsers(r)) return refused(SPLIT_TEXT);
        // What one origin hands on, another may read every way again: a front that normalises the path with its "%2F"
        // kept (Envoy's normalize_path and merge_slashes) makes `/..%2F../admin/x/` of `/..%2F../admin/x/..%2F..//..`,
        // an origin behind it that decodes "%2F" makes `/admin/x/`. So a reading that may read otherwise again
        // ({@link mayReadAnew}; `internal.rereadAll`: any but a plain one) is read every way too, with its other forms
        // (a URL parser trims a trailing space that a "%20" decoded), and so are its own readings.
        const again = !passed.has(r) && (internal.rereadAll ? !isPlainRoutePath(r) : mayReadAnew(r));
        if (again) {
          // Paths clients send need none or a few (an escaped slash beside dot segments: 1 to 3); each costs a reading
          // every way and what follows from it, so a path that needs more is refused, as one over the read budget is.
          if (++rereads > (internal.maxRereads ?? MAX_REREADS)) return refused(REJECTION_TEXT['too-many-readings']);
          passed.add(r);
          unread.push(r);
        } else if (!startsWithHost(r)) continue;
        for (const f of otherForms(r)) {
          if (passed.has(f)) continue;
          if (splitByParsers(f)) return refused(SPLIT_TEXT);
          passed.add(f);
          unread.push(f);
        }
      }
      const readings = [...all];
      if (reread && judged)
        for (const p of reread) {
          const again = routeReadings(p, budget);
          if (!again.ok) return refused(REJECTION_TEXT[again.reason]);
          for (const r of again.readings) judged.add(r);
        }
      if (judged) {
        let tailCount = 0;
        for (const path of readings) {
          if (!tailsOnly) judged.add(path);
          if (!loose) continue;
          const tails = basePathTails(path, bases);
          if (tails === null) return refused(SPLIT_TEXT);
          for (const tail of tails ?? []) {
            if (judged.has(tail)) continue;
            judged.add(tail);
            tailCount++;
            // A tail of a reading that keeps dot segments as text (`/../admin` of `/x/v1/../admin`) is a path a
            // router may still normalise.
            if (tail.includes('/.')) judged.add(normalizeRoutePath(tail));
          }
          // Bounded over all readings too: each path judged costs its length again.
          if (tails === undefined || tailCount > 2 * MAX_BASE_PATH_TAILS) return refused(REPEATS_TEXT);
        }
      }
      const judgedPaths = judged ?? readings;
      // What a mounted handler resolves at its own root may start with "//" (`/x/..//h/api` is `//h/api` under
      // `/x`): a handler it hands that on to takes "h" for a host. Such paths are queued whole, below.
      const resolvedWithHost: string[] = [];
      for (const path of judgedPaths) {
        judgeAt(path);
        for (const mounted of mountedReadings(path, deciding, resolvedWithHost)) judgeAt(mounted);
      }
      // A handler that parses what it was handed as a URL (`new URL(req.url, base)`) takes the first segment after
      // "//" as a host: "//x/admin" is "/admin" to it. That is the whole path for an app at the root (REST or a proxy
      // hands it decoded, so "\\" or an escaped slash read as "/" counts too), and what follows the mount for a
      // handler mounted at any segment (`app.use('/api', ...)`, no base path of ours): "/api//x/admin" is "/admin"
      // under "/api", "/api/admin" in the route table. The handler reads only what it was handed: what is left is read
      // every way again on its own (an app may decode `/admin%2F..` further; its ".." stop at its root, as new URL()
      // resolves them) and judged after the mount's text. Read so, a path may hold "//" again (`//v1.//v1%2Fadmin` is
      // `//v1/admin` once decoded) and loses a host once more, twice at most (a front's parser or a handler, then a
      // handler mounted under it: `//x//y//z` is not read down to `/z`).
      // Only a "//" whose mount's text is shorter than what rules look at ({@link decidingPrefixEnd}) can change a
      // decision: past it, every path a drop makes starts as the reading did. So a long path with "//" all along
      // costs what one with a few near its start does, and each path a drop makes is judged on its deciding text
      // ({@link decidingText}). Each rest is read once; all is bounded as the paths the apps make are, each rest
      // charged its length once, each drop what finding it costs, each path judged its length.
      const rests = new Map<string, HostlessRest>();
      let dropCharacters = 0;
      const queue: Array<{ mount: string; rest: HostlessRest; depth: number }> = [];
      /** Queues each host drop in `mount + tail` past `mount` whose mount text rules may still look at, `depth` drops deep; false past the bound. */
      const dropHosts = (mount: string, tail: string, depth: number): boolean => {
        const end = decidingPrefixEnd(tail, deciding - asciiCount(mount));
        // Only a "//" that starts before `end` counts: search no further.
        const head = tail.slice(0, end + 1);
        for (let at = head.indexOf('//'); at !== -1; at = head.indexOf('//', at + 2)) {
          if (at > 0 && head.charCodeAt(at - 1) === 0x2f) continue;
          const text = withoutHost(tail.slice(at));
          dropCharacters += mount.length + at + 1 + (text.length >> 5);
          let rest = rests.get(text);
          if (!rest) {
            rest = { text, readings: undefined, mounts: new Set() };
            rests.set(text, rest);
            dropCharacters += text.length;
          }
          const mountText = mount + head.slice(0, at);
          if (!rest.mounts.has(mountText)) {
            rest.mounts.add(mountText);
            queue.push({ mount: mountText, rest, depth });
          }
          if (dropCharacters > MAX_REREAD_CHARACTERS) return false;
        }
        return true;
      };
      for (const path of judgedPaths) if (!dropHosts('', path, 1)) return refused(HOSTS_TEXT);
      for (const path of resolvedWithHost) {
        dropCharacters += (path.length >> 5) + 1;
        if (!dropHosts('', path, 1)) return refused(HOSTS_TEXT);
      }
      for (let i = 0; i < queue.length; i++) {
        const { mount, rest, depth } = queue[i]!;
        if (!rest.readings) {
          const again = routeReadings(rest.text, budget);
          if (!again.ok) return refused(REJECTION_TEXT[again.reason]);
          rest.readings = again.readings.map((r) => [r, decidingText(r, deciding)] as const);
        }
        for (const [r, decides] of rest.readings) {
          judgeAt(mount + decides);
          dropCharacters += mount.length + decides.length;
          // A handler mounted further in resolves what follows it at its own root too (the front that took the host
          // may leave dot segments unresolved: Node 20's URL keeps `/api/.a/../../admin` as it is).
          if (MAY_HOLD_DOT_SEGMENT_RE.test(mount) || MAY_HOLD_DOT_SEGMENT_RE.test(r)) {
            const withHosts: string[] = [];
            for (const mounted of mountedReadings(mount + r, deciding, withHosts)) judgeAt(mounted);
            // One pass, no reading: charged as finding a rest is.
            dropCharacters += (r.length >> 5) + 1;
            for (const whole of withHosts) {
              dropCharacters += (whole.length >> 5) + 1;
              if (depth < MAX_HOST_DROPS && !dropHosts('', whole, depth + 1)) return refused(HOSTS_TEXT);
            }
          }
          if (depth < MAX_HOST_DROPS && !dropHosts(mount, r, depth + 1)) return refused(HOSTS_TEXT);
        }
        if (dropCharacters > MAX_REREAD_CHARACTERS) return refused(HOSTS_TEXT);
      }
      return decision(read.path);
    },
  };
}

/**
 * One decision for a request whose route path is itself uncertain (the in-function check may be
 * given the URL with or without the stage): the strictest of the decisions for each candidate.
 */
export function strictestOf(decisions: readonly RouteDecision[]): RouteDecision {
  const refusal = decisions.find((d) => !d.ok);
  if (refusal || decisions.length === 0) return refusal ?? refused('no request path');
  const ok = decisions as ReadonlyArray<Extract<RouteDecision, { ok: true }>>;
  const guarded = ok.filter((d) => !d.public);
  return {
    ok: true,
    public: guarded.length === 0,
    permissions: [...new Set(guarded.flatMap((d) => d.permissions))],
    verifyInFunction: guarded.length > 0 && guarded.every((d) => d.verifyInFunction),
    path: ok[0]!.path,
  };
}
