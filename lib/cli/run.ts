// Process entry point of the edge-auth CLI: wires main() to the real stdin, stdout, files and clock.
import { readFileSync } from 'node:fs';
import { main } from './main.ts';

async function readStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY) return new Uint8Array();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.length;
    if (total > 10 * 1024 * 1024 + 1) break;
  }
  return Buffer.concat(chunks);
}

// A reader that went away (`edge-auth explain ... | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const code = await main(process.argv.slice(2), {
  stdin: readStdin,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (p) => readFileSync(p, 'utf8'),
  now: () => Date.now(),
  env: process.env,
});
process.exitCode = code;
