// Rate limiters for the token service's endpoints: the Workers rate-limit binding, or a fixed-window
// counter in the service's SQL database. Both fail closed: a fault rejects, and the app answers 503.
import type { RateLimiter, TokenServiceStore } from './types.ts';

/** The Workers rate-limit binding's shape (`[[ratelimits]]` in wrangler configuration). */
export interface WorkersRateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Longest rate-limit key accepted (keys are ours: an IP address or a user id plus a route). */
export const MAX_RATE_LIMIT_KEY_LENGTH = 512;

/** A limiter fault: the binding or the database did not answer usably. The message holds no key. */
export class RateLimiterError extends Error {
  constructor(
    readonly code: 'limiter-unavailable' | 'limiter-bad-answer',
    message: string,
  ) {
    super(message);
    this.name = 'RateLimiterError';
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_RATE_LIMIT_KEY_LENGTH)
    throw new TypeError(`rate-limit key must be a string of 1-${MAX_RATE_LIMIT_KEY_LENGTH} characters`);
}

/** A {@link RateLimiter} over the Workers rate-limit binding (its limit and period are set in wrangler configuration). */
export function workersRateLimiter(binding: WorkersRateLimitBinding): RateLimiter {
  if (typeof binding?.limit !== 'function') throw new TypeError('workersRateLimiter needs a rate-limit binding');
  return {
    async allow(key) {
      checkKey(key);
      let answer: unknown;
      try {
        answer = await binding.limit({ key });
      } catch {
        throw new RateLimiterError('limiter-unavailable', 'rate-limit binding failed');
      }
      const success = typeof answer === 'object' && answer !== null ? (answer as { success?: unknown }).success : undefined;
      if (typeof success !== 'boolean')
        throw new RateLimiterError('limiter-bad-answer', 'rate-limit binding answered without a boolean success');
      return success;
    },
  };
}

/** Settings of {@link databaseRateLimiter}. */
export interface DatabaseRateLimiterOptions {
  /** Calls allowed per key and window. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** The clock in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A fixed-window {@link RateLimiter} over the store's `hit` counter: the call is allowed while the count
 * in the current window is at most `limit`. (A fixed window lets up to twice the limit through around a
 * window boundary; for login and token endpoints that is acceptable.)
 *
 * @throws TypeError for a limit or window that is not a positive integer.
 */
export function databaseRateLimiter(store: Pick<TokenServiceStore, 'hit'>, options: DatabaseRateLimiterOptions): RateLimiter {
  const { limit, windowSeconds } = options;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 86400)
    throw new TypeError('windowSeconds must be an integer from 1 to 86400');
  const now = options.now ?? Date.now;
  return {
    async allow(key) {
      checkKey(key);
      let count: unknown;
      try {
        count = await store.hit(key, windowSeconds, new Date(now()));
      } catch {
        throw new RateLimiterError('limiter-unavailable', 'rate-limit counter failed');
      }
      if (typeof count !== 'number' || !Number.isFinite(count) || count < 1)
        throw new RateLimiterError('limiter-bad-answer', 'rate-limit counter answered no count');
      return count <= limit;
    },
  };
}
