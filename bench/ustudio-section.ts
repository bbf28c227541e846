/**
 * The BENCHMARKS.md section `## USTUDIO-HMAC-V2 verification per request`, from the per-run medians of
 * the cases of bench/ustudio-cases.ts that `npm run bench` measured.
 */
import { readFileSync } from 'node:fs';
import { USTUDIO_CASES } from './ustudio-cases.ts';
import { caseTable, runRatio, fmt, target } from './stats.ts';

/**
 * The section. `runsOf(name)` gives a case's per-run medians in µs/op (runs in the same order for every
 * case); `names` are the measured cases in table order; `bodyBytes` is the request body's size.
 */
export function ustudioSection(runsOf: (name: string) => readonly number[], names: readonly string[], bodyBytes: number): string {
  const ratio = (a: string, b: string) => runRatio(runsOf, a, b);
  const table = caseTable(runsOf, names, USTUDIO_CASES.floor, 'the floor');
  const web = names.includes(USTUDIO_CASES.web) ? ratio(USTUDIO_CASES.web, USTUDIO_CASES.ours) : undefined;
  const floorSource = readFileSync(new URL('../bench/ustudio-floor.ts', import.meta.url), 'utf8');
  return `## USTUDIO-HMAC-V2 verification per request

The request of the first table (\`POST /prod/items/42?limit=10&sort=asc\`, the same headers and ${bodyBytes}-byte
JSON body) signed by our USTUDIO-HMAC-V2 signer (\`Authorization: USTUDIO-HMAC-V2 <key> <hex digest>\`,
the original's string to sign: the freshness extension off), the shared secret in the in-memory store.
"Our verify" is the whole path: read and bound the Authorization header, check the digest's form, look
the key up, build the canonical query (parse as Python's \`parse_qs\`, sort, re-quote), HMAC-SHA256 the
string to sign with every live secret of the key (its import cached with the record) and compare in
constant time. The floor (its code is below) does the same check in bare \`node:crypto\` with the least
code: the query's pairs sorted as they are (no decoding or quoting, which this query does not need),
\`createHmac\` over the string built by hand and the body, compared with \`===\`. Both get a fresh
request per call and are checked to accept it (and, in test/bench, to refuse it tampered) before
anything is timed; measured as the first table (fresh processes, interleaved runs, medians).

${table}

Targets:

${target('USTUDIO-HMAC-V2 verify ÷ the node:crypto createHmac floor', ratio(USTUDIO_CASES.ours, USTUDIO_CASES.floor), 1.3)}
${web ? `- Web Crypto backend on Node ÷ node:crypto backend: ${fmt(web.median)} (why Node and Lambda use the node:crypto backend)\n` : ''}
The floor (bench/ustudio-floor.ts):

\`\`\`ts
${floorSource.trim()}
\`\`\`

`;
}
