// What a validated configuration means, without the schema that validated it: the configuration
// error, the key records and the configured schemes. Nothing here imports valibot, so code that
// receives a configuration the build already validated (the Lambda authorizer's bundle) carries no
// schema library.
import type { KeyRecord } from '../keys/types.ts';
import type { Config } from './schema.ts';

/**
 * Thrown for an invalid configuration document; `issues` name each bad field and what is wrong with
 * it ("keys[1].secret: must be at least 8 characters"), never a value from the document.
 */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The inline key records of a configuration (`loadConfig` read them with `parseKeyRecord`), as the memory key store holds them. */
export function keyRecords(config: Config): KeyRecord[] {
  return [...config.keys];
}

/** The ids of the schemes a configuration turns on, in the document's order. */
export function configuredSchemes(config: Config): string[] {
  return Object.keys(config.schemes).filter((id) => config.schemes[id] !== undefined);
}
