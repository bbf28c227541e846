// Runs the original's extension hooks (on_new_user, on_user_login, on_user_logout): a hook that throws,
// rejects or hangs is logged by code and never stops the login or logout it hangs off.
import type { Hooks, User } from './types.ts';

/** The hooks {@link runHook} can run. */
export type HookName = 'onNewUser' | 'onUserLogin' | 'onUserLogout';

/** How long a hook may take by default before the flow goes on without it. */
export const DEFAULT_HOOK_TIMEOUT_MS = 2000;

/** Logged when a hook throws or rejects. */
export const ERR_HOOK_FAILED = 'ERR_HOOK_FAILED';
/** Logged when a hook has not settled within the timeout (it is not cancelled, only no longer waited for). */
export const ERR_HOOK_TIMEOUT = 'ERR_HOOK_TIMEOUT';

/**
 * Awaits `hooks[name](user)` for at most `timeoutMs`. A missing hook is a no-op; a failure or timeout is
 * reported to `log` by code only (the hook's error may quote user data). Never rejects.
 */
export async function runHook(
  hooks: Hooks,
  name: HookName,
  user: User,
  log: (code: string) => void,
  timeoutMs: number = DEFAULT_HOOK_TIMEOUT_MS,
): Promise<void> {
  const report = (code: string) => {
    try {
      log(code);
    } catch {
      // A broken logger must not turn a hook failure into a failed login either.
    }
  };
  // A nonsense timeout would fire at once and silently skip every hook: fall back to the default.
  const waitMs = Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.min(timeoutMs, 60_000) : DEFAULT_HOOK_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const hook = hooks[name];
    if (typeof hook !== 'function') return;
    const run = Promise.resolve().then(() => hook.call(hooks, user));
    const outcome = await Promise.race([
      run.then(
        () => 'done' as const,
        () => 'failed' as const,
      ),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), waitMs);
      }),
    ]);
    if (outcome === 'failed') report(ERR_HOOK_FAILED);
    else if (outcome === 'timeout') {
      report(ERR_HOOK_TIMEOUT);
      // A hook that fails after the timeout must not surface as an unhandled rejection.
      run.catch(() => undefined);
    }
  } catch {
    report(ERR_HOOK_FAILED);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
