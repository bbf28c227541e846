/**
 * The BENCHMARKS.md section `## MAuth verification per request`, from the per-run medians of the
 * MAuth cases (bench/mauth-cases.ts) that `npm run bench` measured.
 */
import { readFileSync } from 'node:fs';
import { MAUTH_CASES, MAUTH_KEY_BITS } from './mauth-cases.ts';
import { fmt, span, spread, target, type Spread } from './stats.ts';

/**
 * The section. `runsOf(name)` gives a case's per-run medians in µs/op (runs in the same order for
 * every case); `names` are the measured MAuth cases in table order; `bodyBytes` is the request body's size.
 */
export function mauthSection(runsOf: (name: string) => readonly number[], names: readonly string[], bodyBytes: number): string {
  const ratio = (a: string, b: string): Spread => {
    const ys = runsOf(b);
    return spread(runsOf(a).map((x, i) => x / ys[i]!));
  };
  const floorOf = (name: string) => (name.startsWith('MAuth v1') ? MAUTH_CASES.v1.floor : MAUTH_CASES.v2.floor);
  const table = [
    '| case | median µs/op | min – max of the runs | ops/s | ratio to the floor of its version (median, min – max) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...names.map((name) => {
      const s = spread(runsOf(name));
      return `| ${name} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${Math.round(1e6 / s.median).toLocaleString('en-US')} | ${span(ratio(name, floorOf(name)))} |`;
    }),
  ].join('\n');
  const webV1 = ratio(MAUTH_CASES.v1.web, MAUTH_CASES.v1.ours);
  const webV2 = ratio(MAUTH_CASES.v2.web, MAUTH_CASES.v2.ours);
  const floorSource = readFileSync(new URL('../bench/mauth-floor.ts', import.meta.url), 'utf8');
  return `## MAuth verification per request

The request of the first table (\`POST /prod/items/42?limit=10&sort=asc\`, the same headers and ${bodyBytes}-byte
JSON body) signed by our MAuth signer with v1 (\`X-MWS-Authentication\`, \`X-MWS-Time\`) or v2
(\`MCC-Authentication\`, \`MCC-Time\`) and a ${MAUTH_KEY_BITS}-bit RSA key (a fresh key pair in each process: the
public operation, e = 65537, costs the same whatever the key), the app's public key in the in-memory
store. "Our verify" is the whole path: read the headers, check the time, look the key up (its import
is cached with the record), build the string to sign (v2: hash the body, normalise the path, encode
the query) and check the signature (v1: the raw RSA public operation, the whole PKCS#1 type-1 block
checked, its payload compared in constant time with the hex SHA-512 of the string to sign; v2:
RSASSA-PKCS1-v1_5 with SHA-512). The floor (its code is below) does the same check in bare
\`node:crypto\` with the least code: v1 \`publicDecrypt\` of the signature (OpenSSL checks the
type-1 block) compared with the hex SHA-512 of the string to sign built by hand; v2
\`crypto.verify('sha512', ...)\` over the string to sign built by hand. Both get a fresh request per
call and are checked to accept it (and, in test/bench, to refuse it tampered) before anything is
timed; measured as the first table (fresh processes, interleaved runs, medians). The Web Crypto
backend on Node is shown for comparison: v1 there is BigInt arithmetic, which Web Crypto lacks.

${table}

Targets:

${target('MAuth v1 verify ÷ the node:crypto publicDecrypt floor', ratio(MAUTH_CASES.v1.ours, MAUTH_CASES.v1.floor), 1.2)}
${target('MAuth v2 verify ÷ the node:crypto verify floor', ratio(MAUTH_CASES.v2.ours, MAUTH_CASES.v2.floor), 1.2)}
- Web Crypto backend on Node ÷ node:crypto backend: v1 ${fmt(webV1.median)}, v2 ${fmt(webV2.median)} (why Node and Lambda use the node:crypto backend)

The floor (bench/mauth-floor.ts):

\`\`\`ts
${floorSource.trim()}
\`\`\`

`;
}
