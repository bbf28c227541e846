import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for servers the tests start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Waits until `read()` contains `marker`, failing with the output after `ms` or when `exited()`. */
export async function waitForOutput(read: () => string, marker: string, ms: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!read().includes(marker)) {
    if (Date.now() > deadline || exited()) throw new Error(`no "${marker}" within ${ms} ms:\n${read()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
