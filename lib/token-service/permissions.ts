// Permission providers, the original's `get_permissions(service, userid)` modules: per service a
// function in code, the same permissions for everyone, or an HTTP endpoint. Every answer is checked
// to be a small plain JSON object before it goes into a token; failures carry a code, never a value.
import { parseJsonSafe } from '../config/json.ts';
import { readBoundedBody, utf8OrUndefined } from '../core/bounded-body.ts';
import type { PermissionProviders, Permissions, User } from './types.ts';

/** Service names: 1-128 characters of A-Z a-z 0-9 `.` `:` `-` (no `_`, so no `__proto__`). */
export const SERVICE_NAME_RE = /^[A-Za-z0-9.:-]{1,128}$/;
/** Most members a permission answer may have (the edge refuses more than 256 permissions). */
export const MAX_PERMISSION_ENTRIES = 256;
/** Longest permission name. */
export const MAX_PERMISSION_KEY_LENGTH = 128;
/** Largest permission answer, as JSON, from any provider. */
export const MAX_PERMISSIONS_BYTES = 64 * 1024;
/** How long an HTTP provider may take by default. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 5000;
/** Longest an HTTP provider's timeout may be set to. */
export const MAX_PROVIDER_TIMEOUT_MS = 30_000;

/** Whether `name` may name a service. */
export function isServiceName(name: unknown): name is string {
  return typeof name === 'string' && SERVICE_NAME_RE.test(name);
}

/** A provider in code: answers a user's permissions for a service. */
export type PermissionFunction = (service: string, user: User) => Permissions | Promise<Permissions>;

/** One service's provider. */
export type PermissionProviderConfig =
  | PermissionFunction
  /** The same permissions for every user (demos, open services). */
  | { readonly static: Permissions }
  /** POSTs `{"service", "userid"}` as JSON; the answer must be a JSON object (https, or http to loopback). */
  | { readonly url: string; readonly timeoutMs?: number };

/** What the providers use from the platform. */
export interface PermissionProviderDeps {
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** Why a provider gave no permissions. */
export type PermissionProviderErrorCode =
  'unknown-service' | 'provider-failed' | 'provider-timeout' | 'provider-unreachable' | 'provider-status' | 'provider-bad-answer';

/** A provider failure, by code (the provider's text and the answer never reach the message). */
export class PermissionProviderError extends Error {
  constructor(
    readonly code: PermissionProviderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PermissionProviderError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Why `value` is not a permission answer, or undefined when it is one. */
function permissionsProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a plain object';
  const keys = Object.keys(value);
  if (keys.length > MAX_PERMISSION_ENTRIES) return `more than ${MAX_PERMISSION_ENTRIES} entries`;
  if (keys.some((k) => k.length === 0 || k.length > MAX_PERMISSION_KEY_LENGTH))
    return `a key empty or longer than ${MAX_PERMISSION_KEY_LENGTH}`;
  return undefined;
}

/**
 * Checks a permission answer: a plain object of at most 256 entries whose keys are 1-128 characters.
 *
 * @throws TypeError naming the problem (never a value).
 */
export function assertPermissions(value: unknown): asserts value is Permissions {
  const problem = permissionsProblem(value);
  if (problem) throw new TypeError(`permissions: ${problem}`);
}

/**
 * The answer as plain JSON data: serialized, size-bounded and parsed prototype-safely, so what goes in a
 * token is what a JSON reader sees (no class instances, getters or `__proto__` keys).
 */
function asJsonPermissions(value: unknown): Permissions {
  checked(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new PermissionProviderError('provider-bad-answer', 'permission provider answered a value that is not JSON');
  }
  if (text === undefined || new TextEncoder().encode(text).length > MAX_PERMISSIONS_BYTES)
    throw new PermissionProviderError('provider-bad-answer', 'permission provider answered no JSON or more than 64 KiB');
  return Object.freeze(checked(parseOrRefuse(text)));
}

function parseOrRefuse(text: string): unknown {
  try {
    return parseJsonSafe(text);
  } catch {
    throw new PermissionProviderError('provider-bad-answer', 'permission provider answered bad JSON');
  }
}

function checked(value: unknown): Permissions {
  const problem = permissionsProblem(value);
  if (problem) throw new PermissionProviderError('provider-bad-answer', `permission provider answer: ${problem}`);
  return value as Permissions;
}

// http only to loopback (tests, a sidecar); elsewhere plain http could be read or changed in transit.
const URL_RE = /^(https:\/\/[^/?#\s@]+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(\/[^\s#]*)?$/;

function httpProvider(url: string, timeoutMs: number, fetchFn: NonNullable<PermissionProviderDeps['fetch']>): PermissionFunction {
  return async (service, user) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let res: Response;
      try {
        res = await fetchFn(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ service, userid: user.id }),
          // A redirect is an answer we do not follow: the configured URL is the provider.
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch {
        throw timedOut
          ? new PermissionProviderError('provider-timeout', 'permission provider did not answer in time')
          : new PermissionProviderError('provider-unreachable', 'permission provider could not be reached');
      }
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => undefined);
        throw new PermissionProviderError('provider-status', `permission provider answered HTTP ${res.status}`);
      }
      let body: Uint8Array | undefined;
      try {
        body = await readBoundedBody(res, MAX_PERMISSIONS_BYTES);
      } catch {
        throw timedOut
          ? new PermissionProviderError('provider-timeout', 'permission provider did not answer in time')
          : new PermissionProviderError('provider-unreachable', 'permission provider answer broke off');
      }
      if (!body) throw new PermissionProviderError('provider-bad-answer', 'permission provider answered more than 64 KiB');
      const text = utf8OrUndefined(body);
      if (text === undefined)
        throw new PermissionProviderError('provider-bad-answer', 'permission provider answered text that is not UTF-8');
      return checked(parseOrRefuse(text));
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Permission providers by service name. Names and settings are checked here, once.
 *
 * @throws TypeError for a bad service name, URL, timeout or static answer (the message names the service).
 */
export function createPermissionProviders(
  config: Readonly<Record<string, PermissionProviderConfig>>,
  deps: PermissionProviderDeps = {},
): PermissionProviders {
  const providers = new Map<string, PermissionFunction>();
  const fetchFn = deps.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  for (const service of Object.keys(config)) {
    if (!isServiceName(service)) throw new TypeError('permission providers: a service name is not 1-128 characters of A-Z a-z 0-9 . : -');
    const p = config[service];
    if (typeof p === 'function') {
      providers.set(service, p);
    } else if (isPlainObject(p) && Object.hasOwn(p, 'static') && Object.keys(p).length === 1) {
      const fixed = (p as { static: unknown }).static;
      const problem = permissionsProblem(fixed);
      if (problem) throw new TypeError(`permission providers: ${service}.static is ${problem}`);
      const frozen = asJsonPermissions(fixed);
      providers.set(service, () => frozen);
    } else if (isPlainObject(p) && Object.keys(p).every((k) => k === 'url' || k === 'timeoutMs')) {
      const { url, timeoutMs: timeout } = p as { url?: unknown; timeoutMs?: unknown };
      if (typeof url !== 'string' || !URL_RE.test(url) || url.length > 2048)
        throw new TypeError(`permission providers: ${service}.url must be an https URL (http only to loopback)`);
      const timeoutMs = timeout ?? DEFAULT_PROVIDER_TIMEOUT_MS;
      if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_PROVIDER_TIMEOUT_MS)
        throw new TypeError(`permission providers: ${service}.timeoutMs must be an integer from 1 to ${MAX_PROVIDER_TIMEOUT_MS}`);
      providers.set(service, httpProvider(url, timeoutMs, fetchFn));
    } else {
      throw new TypeError(`permission providers: ${service} must be a function, { static } or { url, timeoutMs? }`);
    }
  }
  return {
    has: (service) => isServiceName(service) && providers.has(service),
    async get(service, user) {
      const provider = isServiceName(service) ? providers.get(service) : undefined;
      if (!provider) throw new PermissionProviderError('unknown-service', 'no permission provider for this service');
      let answer: unknown;
      try {
        answer = await provider(service, user);
      } catch (e) {
        if (e instanceof PermissionProviderError) throw e;
        throw new PermissionProviderError('provider-failed', 'permission provider failed');
      }
      return asJsonPermissions(answer);
    },
  };
}
