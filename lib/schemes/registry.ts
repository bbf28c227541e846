import type { SchemeDescriptor } from './descriptor.ts';
import { sigv4Scheme } from './sigv4/scheme.ts';
import { jwtScheme } from './jwt/scheme.ts';
import { mauthScheme } from './mauth/scheme.ts';
import { ustudioScheme } from './ustudio-hmac/scheme.ts';
import { apiKeyScheme } from './api-key/scheme.ts';

/** The schemes a configuration may turn on, by id. Immutable once made. */
export interface SchemeRegistry {
  /** In registration order, which is also the order of `WWW-Authenticate` challenges. */
  readonly schemes: readonly SchemeDescriptor[];
  /** Their ids, in the same order. */
  readonly ids: readonly string[];
  /** The descriptor registered under `id`; `undefined` for anything else (never an inherited property). */
  get(id: string): SchemeDescriptor | undefined;
  /**
   * A new registry with these schemes added after this one's.
   *
   * @throws TypeError when an id is already registered.
   */
  with(...schemes: readonly SchemeDescriptor[]): SchemeRegistry;
}

/**
 * Makes a registry of scheme descriptors.
 *
 * @throws TypeError when two descriptors share an id.
 * @example
 * const registry = createSchemeRegistry([sigv4Scheme, toyScheme]);
 * const config = loadConfig(json, registry);
 * const auth = createAuthenticator(config, { registry });
 */
export function createSchemeRegistry(schemes: readonly SchemeDescriptor[]): SchemeRegistry {
  const byId = new Map<string, SchemeDescriptor>();
  for (const s of schemes) {
    if (byId.has(s.id)) throw new TypeError(`scheme "${s.id}" is registered twice`);
    byId.set(s.id, s);
  }
  const list = Object.freeze([...schemes]);
  return Object.freeze({
    schemes: list,
    ids: Object.freeze(list.map((s) => s.id)),
    get: (id: string) => byId.get(id),
    with: (...more: readonly SchemeDescriptor[]) => createSchemeRegistry([...list, ...more]),
  });
}

/**
 * The built-in schemes: what configurations, the Worker, the Lambda functions and the CLI accept
 * unless given another registry. Adding a scheme is its folder and one line here. Marked pure, so a
 * bundle that never reads it (one that goes through `withSchemes`) leaves it out, and with it every
 * scheme nothing else names.
 */
export const builtInSchemes: SchemeRegistry = /* @__PURE__ */ createSchemeRegistry([
  sigv4Scheme,
  mauthScheme,
  ustudioScheme,
  apiKeyScheme,
  jwtScheme,
]);
