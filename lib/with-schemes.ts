// withSchemes: loadConfig and createAuthenticator for a fixed list of schemes. The plain functions
// default to every built-in scheme, so any bundle that calls them holds all five (their verifiers,
// jose, the RSA code: about 70 KiB minified); one that goes through withSchemes holds the schemes it
// names and nothing of the others.
import { buildAuthenticator, type Authenticator, type AuthenticatorDeps } from './authenticator.ts';
import { validateConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import type { SchemeDescriptor } from './schemes/descriptor.ts';
import { createSchemeRegistry, type SchemeRegistry } from './schemes/registry.ts';

/** What {@link withSchemes} returns: the registry of the named schemes, and the two functions bound to it. */
export interface SchemeSet {
  /** The registry of exactly these schemes, in the order given (the order of `WWW-Authenticate` challenges). */
  readonly registry: SchemeRegistry;
  /**
   * `loadConfig(input, registry)`: a document naming any other scheme is refused (`schemes.<id>`).
   *
   * @throws ConfigError naming every bad field.
   */
  loadConfig(input: unknown): Config;
  /**
   * `createAuthenticator(config, { ...deps, registry })`.
   *
   * @throws TypeError as createAuthenticator does.
   */
  createAuthenticator(config: Config, deps?: Omit<AuthenticatorDeps, 'registry'>): Authenticator;
}

/**
 * `loadConfig` and `createAuthenticator` for these schemes only, so that a bundle holds their code and
 * none of the other schemes': a Worker or Lambda that speaks SigV4 alone bundles SigV4 alone. The
 * same validation and the same authenticator as the plain functions with
 * `createSchemeRegistry(schemes)` as the registry; built-in and custom schemes alike.
 *
 * @throws TypeError when two schemes share an id.
 * @example
 * const sigv4Only = withSchemes(sigv4Scheme);
 * const auth = sigv4Only.createAuthenticator(sigv4Only.loadConfig(env.AUTH_CONFIG), { openKeyStore });
 */
export function withSchemes(...schemes: readonly SchemeDescriptor[]): SchemeSet {
  const registry = createSchemeRegistry(schemes);
  return Object.freeze({
    registry,
    loadConfig: (input: unknown) => validateConfig(input, registry),
    createAuthenticator: (config: Config, deps: Omit<AuthenticatorDeps, 'registry'> = {}) => buildAuthenticator(config, registry, deps),
  });
}
