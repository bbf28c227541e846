/**
 * Usernames as the token service keeps them: one spelling per name, and no name that reads as another.
 *
 * A name is taken in its canonical form, NFKC of the lower-cased NFKC form (Unicode's identifier
 * normalisation, UAX #31). So decomposed and precomposed letters (`jose` + U+0301 against `josé`),
 * fullwidth letters (`ａｄｍｉｎ`) and ligatures are one name, for `/auth/update` and for lookups alike.
 * Lower-casing comes between the two because it can decompose a letter (`İ` becomes `i` and a dot).
 *
 * These canonical forms are refused:
 * - separators (any Unicode space, NBSP included), control and format characters (zero-width
 *   characters, bidi overrides, a BOM), characters that show nothing though Unicode calls some of them
 *   letters or symbols (default-ignorable ones such as the Hangul fillers, the blank Braille pattern,
 *   the null notehead U+1D159), and the URL delimiters `/ ? # @`: they make a name ambiguous in a URL,
 *   a log or on screen;
 * - a combining mark that no letter could absorb, on a letter of the scripts below, a digit or a
 *   symbol (`admi̇n`, `admin̲`), or at the start. Marks in scripts that need them (Devanagari,
 *   Thai, Hebrew...) stay allowed;
 * - a Latin letter beside a letter of any script but Latin, Han, Hiragana, Katakana, Hangul and
 *   Bopomofo (the mixes Unicode's "highly restrictive" profile, UTS #39, allows): `gဝဝgle` with
 *   Myanmar letters, `admiᑎ` with a Canadian syllabic;
 * - letters of two of Greek, Cyrillic, Armenian, Cherokee, Lisu and Coptic in one name (`αа`): these
 *   scripts share look-alike letters with each other and with Latin.
 *   A name written wholly in one script stays allowed, and so do look-alikes within one script (a
 *   Turkish dotless `ı`) and symbols that look like letters (`∩`): catching those takes Unicode's
 *   confusable tables;
 * - a name of dots alone, which is a path segment;
 * - an empty name, or one over 64 UTF-16 units once canonical.
 *
 * SQL-significant characters (`' " ; - % _ \`) are allowed: every query is parameterised.
 */
export const MAX_USERNAME_LENGTH = 64;

const FORBIDDEN = /[\p{Z}\p{C}\p{DI}\u2800\u{1d159}/?#@]/u;
const FORBIDDEN_ALL = /[\p{Z}\p{C}\p{DI}\u2800\u{1d159}/?#@]/gu;
const DOTS_ONLY = /^\.+$/;
const LOOKALIKE_SCRIPTS = ['Greek', 'Cyrillic', 'Armenian', 'Cherokee', 'Lisu', 'Coptic'];
const MARK_ON_LOOKALIKE = new RegExp(
  `^\\p{M}|[\\p{Script=Latin}${LOOKALIKE_SCRIPTS.map((script) => `\\p{Script=${script}}`).join('')}\\p{N}\\p{S}\\p{P}]\\p{M}`,
  'u',
);
const LATIN = /\p{Script=Latin}/u;
/** A character of a script that may not stand beside Latin (Common and Inherited ones belong to every script). */
const NOT_WITH_LATIN =
  /[^\p{Script_Extensions=Latin}\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\p{Script_Extensions=Hangul}\p{Script_Extensions=Bopomofo}\p{Script=Common}\p{Script=Inherited}]/u;
const MARKS = /\p{M}/gu;
const SCRIPTS = LOOKALIKE_SCRIPTS.map((script) => new RegExp(`\\p{Script=${script}}`, 'u'));

/** The canonical form of `name`: what is checked, stored and looked up. */
export function canonicalUsername(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/**
 * The canonical form of a name a caller sent, or `''` (never a valid name) when it is too long to be
 * one: composition shrinks text at most fourfold, so nothing over four times the bound is worth
 * normalising.
 */
export function canonicalUsernameInput(name: string): string {
  return name.length <= MAX_USERNAME_LENGTH * 4 ? canonicalUsername(name) : '';
}

/** Whether a canonical `name` may be a username (see the module's rules). */
export function isValidUsername(name: string): boolean {
  if (name.length === 0 || name.length > MAX_USERNAME_LENGTH) return false;
  if (FORBIDDEN.test(name) || DOTS_ONLY.test(name) || MARK_ON_LOOKALIKE.test(name)) return false;
  if (LATIN.test(name) && NOT_WITH_LATIN.test(name)) return false;
  return SCRIPTS.filter((script) => script.test(name)).length <= 1;
}

/** `name` cut to at most `length` UTF-16 units, on a code point. */
export function cutUsername(name: string, length: number): string {
  let cut = '';
  for (const ch of name) {
    if (cut.length + ch.length > length) break;
    cut += ch;
  }
  return cut;
}

/**
 * A valid canonical username made from `text` (a GitHub login, an email's local part) when the
 * service picks one at sign-up: canonical, without the characters a name may not hold and without
 * combining marks, cut to the length bound on a code point, and canonical again after each of those
 * (taking characters out can leave parts that the canonical form joins, such as Hangul jamo); `user`
 * when nothing valid is left. The store appends digits to it while it is taken.
 */
export function usernameFrom(text: string): string {
  let name = canonicalUsername(cutUsername(text, MAX_USERNAME_LENGTH * 4));
  // Each pass only removes characters or joins them, so this ends; four passes are plenty in practice.
  for (let pass = 0; pass < 4 && !(isValidUsername(name) && canonicalUsername(name) === name); pass++) {
    name = canonicalUsername(cutUsername(name.replace(FORBIDDEN_ALL, '').replace(MARKS, ''), MAX_USERNAME_LENGTH));
  }
  return isValidUsername(name) && canonicalUsername(name) === name ? name : 'user';
}
