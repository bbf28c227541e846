/**
 * The paths an origin may act on. A signature proves the bytes that were signed; a route rule must be
 * judged on what the origin will route, and origins disagree: nginx merges slashes and decodes escapes,
 * Tomcat drops `;params`, IIS and many frameworks treat `\` as `/`, and a proxy in front of an app may
 * decode twice. `routeReadings()` turns a raw path into every reading a reasonable origin could reach,
 * each normalised the same way, so that a route decision can take the strictest of them.
 */
import { hexVal } from './encoding.ts';

/**
 * Why a path was refused outright: no reading of it is safe to route, or (`too-many-readings`) reading
 * it every way would cost more than the caller's {@link ReadBudget} allows.
 */
export type PathRejection = 'control-character' | 'invalid-utf8' | 'not-absolute' | 'too-many-readings';

/**
 * What a caller lets the readings of one decision cost: `bytes` left to read, shared by every
 * `routeReadings` call it is passed to and lowered by the length of the path at each reading. A
 * reading that would take it below zero is not read: the path is refused (`too-many-readings`).
 */
export interface ReadBudget {
  bytes: number;
}

/** What `routeReadings()` makes of a raw path: every reading an origin could route, or why none is safe. */
export type RouteReadings =
  | {
      readonly ok: true;
      /** The plain normalisation (escapes of unreserved characters decoded, slashes merged, dot segments removed): logs and messages use it. */
      readonly path: string;
      /** Every distinct reading, `path` first. Route rules are matched against each. */
      readonly readings: readonly string[];
    }
  | { readonly ok: false; readonly reason: PathRejection };

interface ReadingOptions {
  /** `%2F`, `%5C` and a literal `\` read as `/`. */
  readonly slashes: boolean;
  /** `;params` dropped from each segment (Tomcat, Jetty, Spring). */
  readonly params: boolean;
  /** Every escape decoded once before the reading (a proxy that decodes before the app decodes again). */
  readonly twice: boolean;
  /** `.` and `..` kept as literal segments (routers that match the path as text: Express, Fastify, most Lambda routers). */
  readonly keepDots?: boolean;
  /**
   * Empty segments kept, as a URL keeps them (WHATWG, Rust's url crate: `/x//../admin` is `/x/admin`,
   * where merged slashes make `/admin`); with `keepDots` too, the path as sent, decoded.
   */
  readonly keepEmpty?: boolean;
  /**
   * Windows and Unicode leniency (IIS, NTFS, origins that apply NFKC): `%uXXXX` escapes decoded,
   * NFKC normalisation (a fullwidth `／` is a `/`), trailing dots and spaces trimmed from segments.
   */
  readonly lenient?: boolean;
  /**
   * With `lenient`: dot segments resolved before the segments are trimmed, as IIS resolves the URL (empty
   * segments kept, as a URL keeps them) and Windows then trims the file name (`/admin / /..` is `/admin /`,
   * served as `/admin/`), where trimming first drops the blank segment and lets `..` pop `admin`.
   */
  readonly trimLate?: boolean;
  /**
   * `;params` cut from each segment of the path as it arrives, before anything is decoded (Tomcat, whose
   * `encodedSolidusHandling="decode"` then reads `%2F` as "/": `/public/..%2Fadmin;%2F..` is `/admin`).
   */
  readonly rawParams?: boolean;
  /**
   * A literal `\` read as `/`, while `%2F` and `%5C` stay text: as a URL parser reads an http(s) path
   * (a handler's `new URL(req.url, base)`: `/..\admin/x%2F..\..` is `/admin/` there).
   */
  readonly backslash?: boolean;
  /**
   * With `twice`: a "%3F" or "%23" the first decoding makes a "?" or "#" of is kept escaped, as a front that decodes
   * the path and sets it on a URL escapes them (Lambda Web Adapter), instead of ending the path there as a parser
   * does (the reading without it). Read only for a path that holds such an escape.
   */
  readonly endsKept?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const asciiDecoder = new TextDecoder('latin1');
const HEX_DIGITS = '0123456789ABCDEF';

function escapeAt(bytes: Uint8Array, i: number): number {
  if (bytes[i] !== 0x25 || i + 2 >= bytes.length) return -1;
  const h = hexVal(bytes[i + 1]!);
  const l = hexVal(bytes[i + 2]!);
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

// Bytes that stay escaped after decoding, because decoding them would change the path's structure
// (or, for "%", what a later decoder sees). Every other printable byte is decoded, as nginx does.
const KEEP_ESCAPED = new Set([0x25, 0x2f, 0x5c, 0x3b, 0x3f, 0x23]);

function isControl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

/** Every valid escape decoded, as a proxy that decodes before the app does; lone "%" kept. */
function decodeAll(bytes: Uint8Array, keepEnds = false): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const v = escapeAt(bytes, i);
    // `keepEnds`: "%3F" and "%23" stay escaped, as a URL path setter escapes the "?" and "#" a decoding made.
    if (v === -1 || (keepEnds && (v === 0x3f || v === 0x23))) out[n++] = bytes[i]!;
    else {
      out[n++] = v;
      i += 2;
    }
  }
  return out.subarray(0, n);
}

/** IIS's `%uXXXX` escapes decoded into UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes one); everything else copied. */
function decodePercentU(bytes: Uint8Array): Uint8Array {
  let first = -1;
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i] === 0x25 && (bytes[i + 1] === 0x75 || bytes[i + 1] === 0x55)) {
      first = i;
      break;
    }
  if (first === -1) return bytes;
  // Six bytes decode to at most three: never longer than the input.
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, first));
  let n = first;
  for (let i = first; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x25 && (bytes[i + 1] === 0x75 || bytes[i + 1] === 0x55) && i + 5 < bytes.length) {
      let cp = 0;
      for (let k = 2; k < 6 && cp >= 0; k++) {
        const h = hexVal(bytes[i + k]!);
        cp = h < 0 ? -1 : (cp << 4) | h;
      }
      if (cp >= 0) {
        if (cp < 0x80) out[n++] = cp;
        else if (cp < 0x800) {
          out[n++] = 0xc0 | (cp >> 6);
          out[n++] = 0x80 | (cp & 0x3f);
        } else {
          if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
          out[n++] = 0xe0 | (cp >> 12);
          out[n++] = 0x80 | ((cp >> 6) & 0x3f);
          out[n++] = 0x80 | (cp & 0x3f);
        }
        i += 5;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/** Windows ignores trailing dots and spaces in a path segment ("admin." is "admin", ".. " is ".."). */
function trimWindows(seg: string): string {
  // Most segments end in a letter or digit and hold no "$": nothing to trim (a path of many short segments
  // is read this way once per segment).
  const end = seg.charCodeAt(seg.length - 1);
  if (end !== 0x20 && end !== 0x2e && !seg.includes('$')) return seg;
  // NTFS names a folder's own stream too: "admin::$INDEX_ALLOCATION" is "admin".
  const t = trimEnd(seg.replace(/::?\$[A-Za-z_]*$/, ''), isSpace);
  if (/^\.+$/.test(t)) return t.length >= 2 ? '..' : '.';
  return trimEnd(t, isSpaceOrDot);
}

const isSpace = (c: number) => c === 0x20;
const isSpaceOrDot = (c: number) => c === 0x20 || c === 0x2e;

/**
 * `text` without the code units at its end that `trimmed` picks. A loop from the end: a regular
 * expression anchored at the end (`/ +$/`) tries every run of spaces in the text, which makes a text
 * of spaces quadratic.
 *
 * @internal
 */
export function trimEnd(text: string, trimmed: (codeUnit: number) => boolean): string {
  let end = text.length;
  while (end > 0 && trimmed(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** The bytes without each ";" and what follows it up to the next "/" (escapes untouched). */
function cutRawParams(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  let cutting = false;
  for (const c of bytes) {
    if (c === 0x2f) cutting = false;
    else if (c === 0x3b) cutting = true;
    if (!cutting) out[n++] = c;
  }
  return out.subarray(0, n);
}

/** The output buffer of {@link readPath}, kept between readings (a reading is decoded into a string before the next starts). */
let readBuffer = new Uint8Array(1024);
const MAX_KEPT_PATH = 64 * 1024;

/** `text` split at every "/" and "\\" (as `text.split(/[/\\]/)`, without the regular expression). */
function splitOnSlashes(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2f || c === 0x5c) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** One reading: decode, then split into segments, drop params, merge slashes, remove dot segments. */
function readPath(raw: Uint8Array, opts: ReadingOptions): string | PathRejection {
  let bytes = opts.twice ? decodeAll(raw, opts.endsKept) : raw;
  if (opts.rawParams) bytes = cutRawParams(bytes);
  if (opts.lenient) bytes = decodePercentU(bytes);
  // An escape is three bytes and decodes to at most three ("%25" for a lone "%"): never longer than 3x.
  // The buffer is kept for paths up to the largest URL limit (64 KiB, three times over); a longer text gets its own.
  if (readBuffer.length < bytes.length * 3 && bytes.length <= MAX_KEPT_PATH) readBuffer = new Uint8Array(bytes.length * 3);
  const out = readBuffer.length >= bytes.length * 3 ? readBuffer : new Uint8Array(bytes.length * 3);
  let n = 0;
  // Every byte written, or-ed: below 0x80, the text is ASCII.
  let high = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    // Most bytes are plain: test for them first (this loop runs up to eight times over a 64 KiB path).
    if (c > 0x25 && c !== 0x3f && c !== 0x5c && c !== 0x7f) {
      out[n++] = c;
      high |= c;
      continue;
    }
    if (isControl(c)) return 'control-character';
    // A literal "?" or "#" (only possible once something decoded "%3F" / "%23") ends the path for whoever parses it next.
    if (c === 0x3f || c === 0x23) break;
    let escaped = -1;
    if (c === 0x5c) {
      if (opts.slashes || opts.backslash) out[n++] = 0x2f;
      else escaped = 0x5c;
    } else {
      const v = c === 0x25 ? escapeAt(bytes, i) : -1;
      if (v === -1) {
        if (c === 0x25) escaped = 0x25;
        else out[n++] = c;
      } else {
        i += 2;
        if (isControl(v)) return 'control-character';
        if (v === 0x2f || v === 0x5c) {
          if (opts.slashes) out[n++] = 0x2f;
          else escaped = v;
        } else if (KEEP_ESCAPED.has(v)) escaped = v;
        else {
          out[n++] = v;
          high |= v;
        }
      }
    }
    if (escaped !== -1) {
      out[n++] = 0x25;
      out[n++] = HEX_DIGITS.charCodeAt(escaped >> 4);
      out[n++] = HEX_DIGITS.charCodeAt(escaped & 15);
    }
  }
  let text: string;
  try {
    // Plain ASCII needs no UTF-8 validation, and the single-byte decoder is several times faster.
    text = (high < 0x80 ? asciiDecoder : decoder).decode(out.subarray(0, n));
  } catch {
    return 'invalid-utf8';
  }
  // NFKC leaves ASCII as it is.
  if (opts.lenient && high >= 0x80) text = text.normalize('NFKC');
  if (opts.keepEmpty) {
    // Nothing resolved and nothing cut: the segments joined again are the text (it starts with the path's "/").
    if (opts.keepDots && !opts.params && text.charCodeAt(0) === 0x2f) return text;
    return urlSegments(text.split('/'), opts);
  }
  const segments: string[] = [];
  // After NFKC a fullwidth reverse solidus is a "\", which a lenient origin also splits on.
  const parts = opts.lenient ? splitOnSlashes(text) : text.split('/');
  for (let i = 0; i < parts.length; i++) {
    let seg = parts[i]!;
    if (opts.params) {
      const semi = seg.indexOf(';');
      if (semi !== -1) seg = seg.slice(0, semi);
    }
    if (opts.lenient && !opts.trimLate) seg = trimWindows(seg);
    // Resolved as a URL resolves it (empty segments kept, for `..` to pop) when names are trimmed afterwards.
    if (seg === '' && (!opts.trimLate || i === 0 || i === parts.length - 1)) continue;
    if (seg === '.' && !opts.keepDots) continue;
    if (seg === '..' && !opts.keepDots) segments.pop();
    else segments.push(seg);
  }
  const last = parts[parts.length - 1];
  const trailing = segments.length > 0 && (last === '' || (!opts.keepDots && (last === '.' || last === '..')));
  if (opts.trimLate) {
    // What is left are names: trimmed, a blank one gone ("admin /" is "admin/"), a run of dots kept as text.
    const names = segments.map((seg) => trimWindows(seg)).filter((seg) => seg !== '' && seg !== '.');
    return '/' + names.join('/') + (trailing && names.length > 0 ? '/' : '');
  }
  return '/' + segments.join('/') + (trailing ? '/' : '');
}

/**
 * Segments as a URL resolves them (the WHATWG path state): empty ones kept, `..` drops the segment
 * before it whatever it is, and a `.` or `..` at the end leaves a "/"; with `keepDots`, nothing resolved.
 */
function urlSegments(parts: readonly string[], opts: ReadingOptions): string {
  const out: string[] = [];
  // parts[0] is what comes before the leading "/".
  for (let i = 1; i < parts.length; i++) {
    let seg = parts[i]!;
    if (opts.params) {
      const semi = seg.indexOf(';');
      if (semi !== -1) seg = seg.slice(0, semi);
    }
    const last = i === parts.length - 1;
    if (!opts.keepDots && seg === '..') {
      out.pop();
      if (last) out.push('');
    } else if (!opts.keepDots && seg === '.') {
      if (last) out.push('');
    } else out.push(seg);
  }
  return '/' + out.join('/');
}

// Non-empty segments of these characters, none of which starts or ends with a dot.
const PLAIN_PATH_RE = /^(?:\/[A-Za-z0-9\-_~!$&'()*+,=:@]+(?:\.+[A-Za-z0-9\-_~!$&'()*+,=:@]+)*)*\/?$/;

/**
 * Whether `rawPath` reads the same under every option (its one reading is itself): it starts with
 * "/", holds no escape, backslash, ";", white space or "//", no segment starts or ends with a dot (so none is a
 * dot segment or loses a trailing dot), and no NTFS stream suffix (`:$`). Most paths are plain.
 */
export function isPlainRoutePath(rawPath: string): boolean {
  return rawPath.charCodeAt(0) === 0x2f && PLAIN_PATH_RE.test(rawPath) && !rawPath.includes('//') && !rawPath.includes(':$');
}

const ALL_OPTIONS: readonly ReadingOptions[] = [
  ...[false, true].flatMap((twice) => [false, true].flatMap((params) => [false, true].map((slashes) => ({ slashes, params, twice })))),
  // Routers that match the text: "/admin/../public/x" is under "/admin/*" for them, and WSGI/ASGI
  // servers decode "%2F" into "/" without removing dot segments ("/admin%2F..%2Fitems").
  ...[false, true].flatMap((twice) =>
    [false, true].flatMap((params) => [false, true].map((slashes) => ({ slashes, params, twice, keepDots: true }))),
  ),
  // Origins that resolve the path as a URL does, empty segments kept; and the path as sent.
  { slashes: false, params: false, twice: false, keepEmpty: true },
  { slashes: false, params: false, twice: false, keepEmpty: true, keepDots: true },
  // A URL reads "\" as "/" too (`/admin\\..` is `/admin/`).
  { slashes: true, params: false, twice: false, keepEmpty: true },
  { slashes: true, params: false, twice: false, keepEmpty: true, keepDots: true },
  // ... and only "\": an escaped slash stays text (`/..\admin/x%2F..\..` is `/admin/`).
  { slashes: false, params: false, twice: false, keepEmpty: true, backslash: true },
  { slashes: false, params: false, twice: false, keepEmpty: true, keepDots: true, backslash: true },
  // Each of those URL readings after a decoding (a proxy, or a handler's `new URL(decodeURIComponent(req.url), base)`).
  { slashes: false, params: false, twice: true, keepEmpty: true },
  { slashes: false, params: false, twice: true, keepEmpty: true, keepDots: true },
  { slashes: false, params: false, twice: true, keepEmpty: true, backslash: true },
  { slashes: false, params: false, twice: true, keepEmpty: true, keepDots: true, backslash: true },
  // IIS/NTFS and NFKC origins, which also split on "\" and drop ";params" in practice.
  { slashes: true, params: true, twice: false, lenient: true },
  { slashes: true, params: true, twice: true, lenient: true },
  // And as IIS orders it: dot segments resolved first, then the names trimmed.
  { slashes: true, params: true, twice: false, lenient: true, trimLate: true },
  { slashes: true, params: true, twice: true, lenient: true, trimLate: true },
  // Tomcat decoding encoded slashes: ";params" cut before the "%2F" in them is read as "/" (and so
  // behind a proxy that decoded the path once).
  { slashes: true, params: false, twice: false, rawParams: true },
  { slashes: true, params: false, twice: true, rawParams: true },
];

/** The passes of each option of {@link ALL_OPTIONS}: the option alone. */
const PASSES: ReadonlyArray<readonly ReadingOptions[]> = ALL_OPTIONS.map((o) => [o]);
/** The same for a path whose decoding makes a "?" or "#": each option that decodes also with them kept escaped. */
const PASSES_ENDS_KEPT: ReadonlyArray<readonly ReadingOptions[]> = ALL_OPTIONS.map((o) => (o.twice ? [o, { ...o, endsKept: true }] : [o]));

/**
 * Every reading of a raw path (as on the wire, escapes untouched) that a reasonable origin could act
 * on, each normalised: escapes of printable characters decoded except `/ \ ; % ? #`, escapes
 * upper-cased, slashes merged, dot segments (also encoded ones) removed. The readings differ in
 * whether `%2F`, `%5C` and `\` are separators, whether `;params` are dropped, and whether the
 * path was decoded once already before (a decoding proxy in front of the origin); each of those also
 * with `.` and `..` kept as text (routers that match the path literally), and two more read it as IIS, NTFS and
 * NFKC origins do (`%uXXXX`, fullwidth separators, trailing dots and spaces, `::$` stream
 * suffixes), trimming before and (IIS's order, for a path with dots) after dot segments are resolved. Control characters (raw or escaped) and invalid UTF-8 have no safe reading and are
 * refused. Two more, for a path with an empty segment, resolve it as a URL does (empty segments kept)
 * and keep it as sent, two more do so with `\` (and `%2F`, `%5C`) read as "/", and two more with only a
 * literal `\` read so (a URL parser's http(s) path: `%2F` and `%5C` stay text). Two more cut
 * `;params` before decoding and then read `%2F` as "/" (Tomcat decoding encoded slashes), as the path
 * arrives and decoded once. The URL readings with empty segments kept are also read decoded once more. A path whose decoding makes a `?` or `#` has each decoded reading read twice: ended there, as a parser ends it, and with it escaped again, as a URL setter does. Linear in the path's length (thirty-two passes at most, forty-seven for such a path, each charged to `budget` when one is given). Case-insensitive origins are the route table's concern.
 */
export function routeReadings(rawPath: string, budget?: ReadBudget): RouteReadings {
  return readAll(rawPath, false, budget);
}

/**
 * Every option read, none skipped: what the skipping in `routeReadings` must always agree with (tested).
 *
 * @internal
 */
export function routeReadingsExhaustive(rawPath: string): RouteReadings {
  return readAll(rawPath, true);
}

/** Which options can change a reading of these bytes: a separator or a parameter, raw or escaped. */
function hints(bytes: Uint8Array): { slash: boolean; params: boolean } {
  let slash = false;
  let params = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x5c) slash = true;
    else if (c === 0x3b) params = true;
    else if (c === 0x25) {
      const v = escapeAt(bytes, i);
      if (v === 0x2f || v === 0x5c) slash = true;
      else if (v === 0x3b) params = true;
    }
  }
  return { slash, params };
}

function readAll(rawPath: string, exhaustive: boolean, budget?: ReadBudget): RouteReadings {
  if (rawPath.charCodeAt(0) !== 0x2f) return { ok: false, reason: 'not-absolute' };
  if (!exhaustive && isPlainRoutePath(rawPath)) {
    return { ok: true, path: rawPath, readings: [rawPath] };
  }
  const bytes = encoder.encode(rawPath);
  // An option that cannot change this path's reading is not read again (a "%20" alone needs two
  // passes, not eight). What a second decoding could turn into a separator counts too.
  const twice = bytes.includes(0x25);
  const raw = hints(bytes);
  const decoded = twice ? hints(decodeAll(bytes)) : raw;
  const dots = rawPath.includes('.') || /%(?:25)*2e/i.test(rawPath);
  const needed = (opts: ReadingOptions): boolean => {
    if (opts.twice && !twice) return false;
    if (opts.keepDots && !dots) return false;
    // Reading only a literal "\" as "/" needs one (or, decoded once more, an escaped one).
    if (opts.backslash) return rawPath.includes('\\') || (opts.twice && /%5c/i.test(rawPath));
    // Without an empty segment, a URL resolves the path as merged slashes do (decoded once more, an escaped
    // slash may make one).
    if (opts.keepEmpty) return opts.slashes ? raw.slash : rawPath.includes('//') || (opts.twice && /%2f/i.test(rawPath));
    // Trimming after resolving differs from trimming before only where there is a dot segment to resolve
    // (a dot, escaped or not, or one that decoding and NFKC make: `%uFF0E`, a fullwidth dot).
    if (opts.lenient) return !opts.trimLate || dots || twice || /[^\0-\x7f]/.test(rawPath);
    // Cutting params first needs a ";" where the cut happens: in the path, or in it decoded once.
    if (opts.rawParams) return opts.twice ? twice && (bytes.includes(0x3b) || decoded.params) : bytes.includes(0x3b);
    const h = opts.twice ? { slash: raw.slash || decoded.slash, params: raw.params || decoded.params } : raw;
    return !((opts.slashes && !h.slash) || (opts.params && !h.params));
  };
  const readings: string[] = [];
  // A decoding that makes a "?" or "#" (of "%3F", "%23", or one escaped again): each reading that decodes is also read
  // with them kept escaped.
  const passes = twice && /%(?:25)*(?:3f|23)/i.test(rawPath) ? PASSES_ENDS_KEPT : PASSES;
  for (let i = 0; i < ALL_OPTIONS.length; i++) {
    if (!exhaustive && !needed(ALL_OPTIONS[i]!)) continue;
    for (const opts of passes[i]!) {
      // Charged before the pass, so a spent budget reads nothing more.
      if (budget) {
        if (budget.bytes < bytes.length) return { ok: false, reason: 'too-many-readings' };
        budget.bytes -= bytes.length;
      }
      const r = readPath(bytes, opts);
      if (!r.startsWith('/')) return { ok: false, reason: r as PathRejection };
      if (!readings.includes(r)) readings.push(r);
    }
  }
  return { ok: true, path: readings[0]!, readings };
}

/**
 * A path (a reading) resolved as a URL resolves it: dot segments removed, empty segments kept (what
 * Lambda Web Adapter sets as the path it forwards), a "\\" (and, stricter than a URL, `%2F` and `%5C`)
 * read as "/". Escapes as {@link normalizeRoutePath} leaves them.
 */
export function resolveUrlPath(path: string): string {
  if (!path.startsWith('/')) return path;
  const r = readPath(encoder.encode(path), { slashes: true, params: false, twice: false, keepEmpty: true });
  return typeof r === 'string' && r.startsWith('/') ? r : path;
}

/** The plain normalisation of a route pattern or path (no alternative readings), for comparing like with like. */
export function normalizeRoutePath(rawPath: string): string {
  if (!rawPath.startsWith('/')) return rawPath;
  const r = readPath(encoder.encode(rawPath), { slashes: false, params: false, twice: false });
  return typeof r === 'string' && r.startsWith('/') ? r : rawPath;
}
