import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';

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

/** A server the tests started on 127.0.0.1: its base URL, and a close that drops open connections first. */
export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1 at an ephemeral port. A handler that throws gets `onError` (when nothing
 * was sent yet) or a destroyed connection; `close()` ends keep-alive connections so it never waits on them.
 */
export async function listenOnLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onError: (res: ServerResponse) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) onError(res);
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
