import * as v from 'valibot';
import type { Config } from './config/schema.ts';
import { assembleAuthenticator, type Authenticator, type AuthenticatorDeps } from './authenticator-core.ts';
import type { SchemeDescriptor } from './schemes/descriptor.ts';
import { builtInSchemes, type SchemeRegistry } from './schemes/registry.ts';

export { publicError, type ActiveScheme, type Authenticator, type AuthenticatorDeps, type SchemeSelection } from './authenticator-core.ts';

/** The options of `schemes.<id>` as the scheme's schema outputs them (a no-op for a document loadConfig validated). */
function optionsOf(descriptor: SchemeDescriptor, raw: unknown): unknown {
  const parsed = v.safeParse(descriptor.options, raw);
  if (parsed.success) return parsed.output;
  // Field paths only: the values may be secrets.
  const fields = parsed.issues.map((i) => (i.path ?? []).map((p) => String(p.key)).join('.') || '(options)');
  throw new TypeError(`schemes.${descriptor.id}: invalid options (${[...new Set(fields)].join(', ')})`);
}

/**
 * Builds the verifiers a configuration turns on, from the registry's descriptors, and the router
 * between them.
 *
 * @throws TypeError when the configuration names a scheme the registry does not hold, or a scheme's
 * options or factory refuse (a configuration `loadConfig` accepted with the same registry passes).
 * @example
 * const auth = createAuthenticator(loadConfig(json));
 * const result = await auth.authenticate(request);
 * // with a scheme of one's own:
 * const registry = builtInSchemes.with(toyScheme);
 * const custom = createAuthenticator(loadConfig(json, registry), { registry });
 */
export function createAuthenticator(config: Config, deps: AuthenticatorDeps = {}): Authenticator {
  return buildAuthenticator(config, deps.registry ?? builtInSchemes, deps);
}

/**
 * {@link createAuthenticator} with the registry required: a bundle that calls only this holds no
 * scheme the registry does not name (what `withSchemes` uses).
 *
 * @throws TypeError as createAuthenticator does.
 * @example
 * const registry = createSchemeRegistry([sigv4Scheme]);
 * const auth = buildAuthenticator(validateConfig(json, registry), registry, { openKeyStore });
 */
export function buildAuthenticator(config: Config, registry: SchemeRegistry, deps: AuthenticatorDeps = {}): Authenticator {
  return assembleAuthenticator(config, registry.schemes, { ...deps, registry }, optionsOf);
}
