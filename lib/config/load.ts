import * as v from 'valibot';
import { createConfigSchema, type Config } from './schema.ts';
import { builtInSchemes, type SchemeRegistry } from '../schemes/registry.ts';
import { parseJsonSafe } from './json.ts';
import { issueLines, SAFE_ISSUE_MESSAGES } from '../core/issues.ts';
import { normalizeRoutePath } from '../core/route-path.ts';
import { foldCase, matchesPattern } from '../policy/routes.ts';
import { ConfigError, configuredSchemes } from './records.ts';
import { parseKeyRecord, recordIssueLines } from '../keys/record.ts';
import type { KeyRecord } from '../keys/types.ts';

export { parseJsonSafe } from './json.ts';
export { ConfigError, configuredSchemes, keyRecords } from './records.ts';

// One schema per registry, built on its first use.
const schemaCache = new WeakMap<SchemeRegistry, ReturnType<typeof createConfigSchema>>();

/**
 * Validates a configuration document (parsed JSON or text) against the schemes of a registry:
 * `schemes.<id>` by each scheme's options schema, `keys[].scheme` among the registry's ids, and a
 * key bound to a scheme only when that scheme is configured.
 *
 * @throws ConfigError naming every bad field.
 * @example
 * const config = loadConfig(json); // built-in schemes
 * const withToy = loadConfig(json, builtInSchemes.with(toyScheme));
 */
export function loadConfig(input: unknown, registry: SchemeRegistry = builtInSchemes): Config {
  return validateConfig(input, registry);
}

/**
 * {@link loadConfig} with the registry required: a bundle that calls only this holds no scheme the
 * registry does not name (what {@link withSchemes} uses).
 *
 * @throws ConfigError naming every bad field.
 * @example
 * const config = validateConfig(json, createSchemeRegistry([sigv4Scheme]));
 */
export function validateConfig(input: unknown, registry: SchemeRegistry): Config {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = parseJsonSafe(input);
    } catch (e) {
      // parseJsonSafe's messages give a position and a kind, never the text around it.
      throw new ConfigError([`(document): not valid JSON: ${(e as Error).message}`]);
    }
  }
  let schema = schemaCache.get(registry);
  if (!schema) schemaCache.set(registry, (schema = createConfigSchema(registry)));
  const result = v.safeParse(schema, doc, SAFE_ISSUE_MESSAGES);
  if (!result.success) throw new ConfigError(issueLines(result.issues, '(document)'));
  const raw = result.output;
  const issues: string[] = [];
  const keys: KeyRecord[] = [];
  raw.keys.forEach((k, i) => {
    const r = parseKeyRecord(k, { schemes: registry.ids, pathPrefix: `keys[${i}].` });
    if (r.ok) keys.push(r.record);
    else issues.push(...recordIssueLines(r.issues));
  });
  const config: Config = { ...raw, keys };
  const ids = new Set<string>();
  // Two key records with one secret can stand in for each other (a request signed as one verifies as
  // the other), so a secret belongs to one key. Repeats within one key's list are harmless.
  const secretOwners = new Map<string, { key: number; path: string }>();
  // With several schemes on, a key without a scheme would verify under each of them: one secret
  // then serves the weakest scheme too. So each key names its scheme once there is a choice.
  const several = configuredSchemes(config).length > 1;
  // Which key store serves each scheme; a scheme not listed uses the inline keys.
  const storeOf = new Map<string, number>();
  config.keyStores.forEach((store, i) => {
    store.schemes.forEach((scheme, j) => {
      if (config.schemes[scheme] === undefined) issues.push(`keyStores[${i}].schemes[${j}]: scheme "${scheme}" is not configured`);
      const other = storeOf.get(scheme);
      if (other !== undefined && other !== i)
        issues.push(`keyStores[${i}].schemes[${j}]: scheme "${scheme}" is already served by keyStores[${other}]`);
      storeOf.set(scheme, i);
    });
  });
  config.keys.forEach((k, i) => {
    if (several && k.scheme === undefined) issues.push(`keys[${i}].scheme: required when more than one scheme is configured`);
    if (ids.has(k.id)) issues.push(`keys[${i}].id: duplicate key id`);
    ids.add(k.id);
    const secrets: Array<[string, string]> =
      raw.keys[i] !== null && typeof raw.keys[i] === 'object' && 'secrets' in (raw.keys[i] as object)
        ? k.secrets.map((s, j) => [s, `keys[${i}].secrets[${j}]`])
        : k.secrets.map((s) => [s, `keys[${i}].secret`]);
    for (const [secret, path] of secrets) {
      const owner = secretOwners.get(secret);
      if (owner === undefined) secretOwners.set(secret, { key: i, path });
      else if (owner.key !== i) issues.push(`${path}: the same secret as ${owner.path} (each key needs its own secret)`);
    }
    // What the key's scheme needs of its records (API keys: hashes only), by field, never a value.
    const schemeId = k.scheme ?? (several ? undefined : configuredSchemes(config)[0]);
    const own = schemeId === undefined ? undefined : registry.get(schemeId)?.recordIssues?.(k);
    for (const issue of own ?? []) {
      const single = secrets.length === 1 && secrets[0]![1] === `keys[${i}].secret`;
      const path = issue.path === '(record)' ? `keys[${i}]` : `keys[${i}].${single && issue.path === 'secrets[0]' ? 'secret' : issue.path}`;
      issues.push(`${path}: ${issue.message}`);
    }
    // k.scheme is a registry id (the parser checked it), so naming it quotes no free text.
    if (k.scheme !== undefined && config.schemes[k.scheme] === undefined)
      issues.push(`keys[${i}].scheme: scheme "${k.scheme}" is not configured`);
    const served = k.scheme === undefined ? undefined : storeOf.get(k.scheme);
    if (served !== undefined)
      issues.push(`keys[${i}].scheme: scheme "${k.scheme}" takes its keys from keyStores[${served}], not from keys[]`);
  });
  // A base path is in front of the API's resource paths, and route rules are judged on the path
  // without it: a rule naming a path under one would never be judged as written (and the path it
  // guards would be judged as another). Issues name fields, never their text.
  // Compared as the route table reads paths: normalised (escapes, dot segments, empty segments) and
  // case-folded.
  const fold = (text: string) => foldCase(normalizeRoutePath(text));
  const bases = config.lambda.basePaths.map(fold);
  config.routes.forEach((route, i) => {
    const wild = route.path.endsWith('*');
    const literal = fold(wild ? route.path.slice(0, -1) : route.path);
    if (literal === '' || literal === '/') return;
    const base = bases.findIndex((b) => literal === b || literal.startsWith(b + '/') || (wild && (b + '/').startsWith(literal)));
    if (base !== -1)
      issues.push(`routes[${i}].path: overlaps lambda.basePaths[${base}], which route rules never see (they judge the path without it)`);
  });
  issues.push(...routeRuleIssues(config.routes));
  if (configuredSchemes(config).length === 0) issues.push('schemes: no scheme is configured');
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/**
 * Route rules that load but guard less than they say: a public rule that names permissions or asks for
 * in-function verification (a public route checks neither), and a rule that an earlier one hides for
 * every request it would match (first match wins, so it is never consulted: the usual slip is an
 * exception written after the general rule, `/public/*` then a guarded `/public/secret`).
 */
function routeRuleIssues(routes: Config['routes']): string[] {
  const issues: string[] = [];
  const rules = routes.map((r) => ({ ...r, pattern: r.path === '*' ? '*' : normalizeRoutePath(r.path) }));
  rules.forEach((rule, i) => {
    if (rule.public && rule.permissions.length > 0) issues.push(`routes[${i}].permissions: a public route checks no permissions`);
    if (rule.public && rule.verifyInFunction) issues.push(`routes[${i}].verifyInFunction: a public route verifies nothing`);
    // Earlier rules that match every path this one does: first match wins, so for their methods this one is never asked.
    const before = rules.slice(0, i).filter((earlier) => coversPattern(earlier.pattern, rule.pattern));
    const whole = before.find((earlier) => coversMethods(earlier.methods, rule.methods));
    // The methods it names one by one (not "*"), each perhaps taken by another earlier rule.
    const named = rule.methods.includes('*') ? [] : rule.methods;
    const takenBy = named.map((m) => before.find((earlier) => coversMethods(earlier.methods, [m])));
    const hiddenBy = whole ?? (named.length > 0 && takenBy.every((t) => t !== undefined) ? takenBy[0] : undefined);
    if (hiddenBy !== undefined) {
      issues.push(
        `routes[${i}]: never reached: routes[${rules.indexOf(hiddenBy)}] comes first and matches every request it would (put the narrower rule first)`,
      );
      return;
    }
    named.forEach((m, k) => {
      const earlier = takenBy[k];
      if (earlier !== undefined && guardsLess(earlier, rule))
        issues.push(
          `routes[${i}].methods: ${m} never reaches this rule: routes[${rules.indexOf(earlier)}] comes first and guards less (put the narrower rule first)`,
        );
    });
  });
  return issues;
}

/** Whether `earlier` asks less of a request than `later`: public where it is guarded, fewer permissions, or the body left to the function. */
function guardsLess(earlier: Config['routes'][number], later: Config['routes'][number]): boolean {
  if (later.public) return false;
  if (earlier.public) return true;
  if (later.permissions.some((p) => !earlier.permissions.includes(p))) return true;
  return earlier.verifyInFunction && !later.verifyInFunction;
}

/** Whether a rule with `outer` methods matches every method `inner` names (a rule for GET also matches HEAD). */
function coversMethods(outer: readonly string[], inner: readonly string[]): boolean {
  if (outer.includes('*')) return true;
  return !inner.includes('*') && inner.every((m) => outer.includes(m) || (m === 'HEAD' && outer.includes('GET')));
}

/** Whether every path `inner` matches is matched by `outer` too (both normalised; see `matchesPattern`). */
function coversPattern(outer: string, inner: string): boolean {
  if (outer === '*') return true;
  if (inner === '*') return false;
  // What a pattern matches: an exact path (and it with "/"), or every path with a prefix (`/dir/*` also `/dir`).
  const prefixOf = (p: string) => (p.endsWith('*') ? p.slice(0, -1) : undefined);
  const outerPrefix = prefixOf(outer);
  const innerPrefix = prefixOf(inner);
  if (outerPrefix === undefined) return innerPrefix === undefined && matchesPattern(outer, inner);
  if (innerPrefix === undefined) return matchesPattern(outer, inner);
  // `/dir/*` also matches `/dir`, which a prefix must then cover too.
  const innerBare = inner.endsWith('/*') ? innerPrefix.slice(0, -1) : undefined;
  return innerPrefix.startsWith(outerPrefix) && (innerBare === undefined || matchesPattern(outer, innerBare));
}
