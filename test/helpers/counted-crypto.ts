/**
 * A crypto backend that counts its calls: what the decoy tests compare (an unknown key must cost the
 * same calls as a wrong signature), without timing anything.
 */
import type { CryptoBackend } from '../../lib/core/crypto.ts';

/** `backend` with every call counted by name: `sync.<name>`, `rsa.<name>` and `sync.rsa.<name>` for its other faces. */
export function countedCrypto(backend: CryptoBackend): { crypto: CryptoBackend; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrap = <T extends object>(face: T, prefix: string): T =>
    Object.fromEntries(
      Object.entries(face).map(([name, f]) => [
        name,
        typeof f === 'function'
          ? (...args: unknown[]) => {
              calls.set(prefix + name, (calls.get(prefix + name) ?? 0) + 1);
              return (f as (...a: unknown[]) => unknown).apply(face, args);
            }
          : f,
      ]),
    ) as T;
  const sync = backend.sync && {
    ...wrap(backend.sync, 'sync.'),
    ...(backend.sync.rsa ? { rsa: wrap(backend.sync.rsa, 'sync.rsa.') } : {}),
  };
  const crypto = {
    ...wrap(backend, ''),
    ...(backend.rsa ? { rsa: wrap(backend.rsa, 'rsa.') } : {}),
    ...(sync ? { sync } : {}),
  } as CryptoBackend;
  return { crypto, calls };
}
