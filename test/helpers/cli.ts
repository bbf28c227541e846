// The edge-auth CLI run in process, as bin/edge-auth.js runs it but with its input, output, clock and
// environment in the test's hands.
import { readFileSync } from 'node:fs';
import { main, type CliIo } from '../../lib/cli/main.ts';

/** What one run printed and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `edge-auth <argv>` with `stdin`, the clock `now` (milliseconds), `env` and a Secrets Manager stand-in. */
export async function runCli(
  argv: string[],
  o: { stdin?: string; now?: () => number; env?: Record<string, string>; secretsManager?: CliIo['secretsManager'] } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdin: async () => new TextEncoder().encode(o.stdin ?? ''),
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readFile: (p) => readFileSync(p, 'utf8'),
    now: o.now ?? (() => Date.now()),
    ...(o.env ? { env: o.env } : {}),
    ...(o.secretsManager ? { secretsManager: o.secretsManager } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}
