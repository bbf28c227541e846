// serverless-offline on three free loopback ports. freePort() frees the port it found before
// serverless-offline binds it, so another server the suite starts at the same moment may take it
// first: serverless-offline then fails with EADDRINUSE, and this starts it again on new ports.
import type { ChildProcess } from 'node:child_process';
import { freePort, waitForOutput } from './net.ts';

export interface RunningOffline {
  readonly child: ChildProcess;
  /** The HTTP endpoint, on 127.0.0.1. */
  readonly base: URL;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Stops it and its children (the process group). */
  stop(): Promise<void>;
}

/** Starts `infra/offline.mjs` with `env` (ports added) and waits for "Server ready"; up to `attempts` times when a port was taken. */
export async function startOfflineOnFreePorts(env: Record<string, string> = {}, attempts = 3): Promise<RunningOffline> {
  const { startOffline } = await import('../../infra/offline.mjs');
  for (let attempt = 1; ; attempt++) {
    const [http, lambda, ws] = [await freePort(), await freePort(), await freePort()];
    const child = startOffline({
      ...env,
      OFFLINE_HTTP_PORT: String(http),
      OFFLINE_LAMBDA_PORT: String(lambda),
      OFFLINE_WS_PORT: String(ws),
    });
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
    };
    try {
      await waitForOutput(
        () => text,
        'Server ready',
        90_000,
        () => child.exitCode !== null || text.includes('EADDRINUSE'),
      );
      return { child, base: new URL(`http://127.0.0.1:${http}`), output: () => text, stop };
    } catch (e) {
      await stop();
      if (attempt >= attempts || !text.includes('EADDRINUSE')) throw e;
    }
  }
}
