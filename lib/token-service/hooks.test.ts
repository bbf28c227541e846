import { describe, expect, it } from 'vitest';
import { ERR_HOOK_FAILED, ERR_HOOK_TIMEOUT, runHook } from './hooks.ts';
import type { Hooks, User } from './types.ts';

const user: User = {
  id: 'abc',
  providerId: 'google:1',
  username: 'ada',
  name: null,
  email: 'ada@example.org',
  avatarUrl: null,
  joinDate: new Date('2026-01-01T00:00:00Z'),
  usernameChosen: false,
};

function logger() {
  const codes: string[] = [];
  return { codes, log: (c: string) => void codes.push(c) };
}

describe('runHook', () => {
  it('awaits the hook with the user, logs nothing when it succeeds', async () => {
    const seen: string[] = [];
    const hooks: Hooks = {
      async onNewUser(u) {
        await new Promise((r) => setTimeout(r, 20));
        seen.push(`new:${u.id}`);
      },
      onUserLogin: (u) => void seen.push(`login:${u.id}`),
    };
    const { codes, log } = logger();
    await runHook(hooks, 'onNewUser', user, log);
    await runHook(hooks, 'onUserLogin', user, log);
    expect(seen).toEqual(['new:abc', 'login:abc']);
    expect(codes).toEqual([]);
  });

  it('a missing hook is a no-op', async () => {
    const { codes, log } = logger();
    await expect(runHook({}, 'onUserLogout', user, log)).resolves.toBeUndefined();
    expect(codes).toEqual([]);
  });

  it('calls a method with its object as this', async () => {
    class Ext implements Hooks {
      count = 0;
      onUserLogout() {
        this.count++;
      }
    }
    const ext = new Ext();
    const { codes, log } = logger();
    await runHook(ext, 'onUserLogout', user, log);
    expect(ext.count).toBe(1);
    expect(codes).toEqual([]);
  });

  it('a hook that throws or rejects is logged by code, never rethrown', async () => {
    const { codes, log } = logger();
    const hooks: Hooks = {
      onNewUser() {
        throw new Error('ada@example.org broke it');
      },
      onUserLogin: () => Promise.reject(new Error('nope')),
    };
    await expect(runHook(hooks, 'onNewUser', user, log)).resolves.toBeUndefined();
    await expect(runHook(hooks, 'onUserLogin', user, log)).resolves.toBeUndefined();
    expect(codes).toEqual([ERR_HOOK_FAILED, ERR_HOOK_FAILED]);
  });

  it('a hook that hangs is given up on after the timeout', async () => {
    const { codes, log } = logger();
    let rejectLate!: (e: Error) => void;
    const hooks: Hooks = { onUserLogin: () => new Promise<void>((_, reject) => (rejectLate = reject)) };
    const started = Date.now();
    await runHook(hooks, 'onUserLogin', user, log, 50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(codes).toEqual([ERR_HOOK_TIMEOUT]);
    // Failing after the timeout is neither logged again nor an unhandled rejection.
    rejectLate(new Error('late'));
    await new Promise((r) => setTimeout(r, 10));
    expect(codes).toEqual([ERR_HOOK_TIMEOUT]);
  });

  it('the default timeout is 2 s', async () => {
    const { codes, log } = logger();
    const started = Date.now();
    await runHook({ onNewUser: () => new Promise<void>(() => undefined) }, 'onNewUser', user, log);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
    expect(codes).toEqual([ERR_HOOK_TIMEOUT]);
  });

  it('a logger that throws does not surface either; a hooks object with a throwing getter neither', async () => {
    const hooks = {
      get onNewUser(): never {
        throw new Error('getter');
      },
    } as Hooks;
    await expect(
      runHook(hooks, 'onNewUser', user, () => {
        throw new Error('log down');
      }),
    ).resolves.toBeUndefined();
  });
});
