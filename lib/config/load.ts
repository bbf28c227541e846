import * as v from 'valibot';
import { ConfigSchema, type Config } from './schema.ts';
import type { KeyRecord } from '../keys/types.ts';

/** Thrown for an invalid configuration document; `issues` name each bad field ("keys[1].secret: ..."). */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key;
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(document)' : out;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses JSON text without letting it reach Object.prototype: "__proto__", "constructor" and
 * "prototype" keys are refused outright (a configuration never needs them).
 */
export function parseJsonSafe(text: string): unknown {
  return JSON.parse(text, function (key, value: unknown) {
    if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`forbidden key "${key}" in JSON`);
    return value;
  });
}

/**
 * Validates a configuration document (parsed JSON or text).
 *
 * @throws ConfigError naming every bad field.
 */
export function loadConfig(input: unknown): Config {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = parseJsonSafe(input);
    } catch (e) {
      throw new ConfigError([`(document): not valid JSON: ${(e as Error).message}`]);
    }
  }
  const result = v.safeParse(ConfigSchema, doc);
  if (!result.success) throw new ConfigError(result.issues.map((i) => `${pathOf(i)}: ${i.message}`));
  const config = result.output;
  const ids = new Set<string>();
  const issues: string[] = [];
  config.keys.forEach((k, i) => {
    if (ids.has(k.id)) issues.push(`keys[${i}].id: duplicate key id`);
    ids.add(k.id);
    if ((k.scheme ?? 'sigv4') === 'sigv4' && !config.schemes.sigv4) issues.push(`keys[${i}].scheme: scheme "sigv4" is not configured`);
  });
  if (!config.schemes.sigv4) issues.push('schemes: no scheme is configured');
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** The key records of a configuration, as the memory key store holds them. */
export function keyRecords(config: Config): KeyRecord[] {
  return config.keys.map((k) => ({
    id: k.id,
    scheme: k.scheme,
    secrets: k.secrets ?? [k.secret!],
    principal: k.principal,
    permissions: k.permissions,
    sessionToken: k.sessionToken,
    notBefore: k.notBefore,
    expiresAt: k.expiresAt,
    disabled: k.disabled,
  }));
}
