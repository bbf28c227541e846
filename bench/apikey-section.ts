/**
 * The BENCHMARKS.md section `## API-key verification per request`, from the per-run medians of the
 * API-key cases (bench/apikey-cases.ts) that `npm run bench` measured.
 */
import { readFileSync } from 'node:fs';
import { APIKEY_CASES } from './apikey-cases.ts';
import { caseTable, runRatio, fmt, target } from './stats.ts';

/**
 * The section. `runsOf(name)` gives a case's per-run medians in µs/op (runs in the same order for
 * every case); `names` are the measured API-key cases in table order.
 */
export function apikeySection(runsOf: (name: string) => readonly number[], names: readonly string[]): string {
  const ratio = (a: string, b: string) => runRatio(runsOf, a, b);
  const table = caseTable(runsOf, names, APIKEY_CASES.floor, 'the floor');
  const web = names.includes(APIKEY_CASES.web) ? ratio(APIKEY_CASES.web, APIKEY_CASES.ours) : undefined;
  const floorSource = readFileSync(new URL('../bench/apikey-floor.ts', import.meta.url), 'utf8');
  return `## API-key verification per request

The request of the first table (\`POST /prod/items/42?limit=10&sort=asc\`, the same headers and body)
with \`X-Api-Key: ea_<id>_<secret>_<checksum>\` added by our signer, the key's \`sha256:<hex>\` in the
in-memory store. "Our verify" is the whole path: find the one \`X-Api-Key\` header (refusing a repeated
one), bound and trim it, check the key's form and CRC-32 checksum, look the id up, check the record
holds only hashes and is usable now (enabled, in its validity window), hash the key (node:crypto,
synchronously) and compare it in constant time with every live hash of the record. The floor (its
code is below) reads the header, hashes the key and compares the digest with one stored hash in
\`timingSafeEqual\`: no checksum, no lookup, no validity. "Authenticate" adds the authenticator's
limits and scheme selection. Every case gets a fresh request per call and is checked to accept it
(and, in test/bench, to refuse a wrong key) before anything is timed; measured as the first table
(fresh processes, interleaved runs, medians).

${table}

Targets:

${target('API-key verify ÷ the node:crypto sha256 + timingSafeEqual floor', ratio(APIKEY_CASES.ours, APIKEY_CASES.floor), 1.3)}
${web ? `- Web Crypto backend on Node ÷ node:crypto backend: ${fmt(web.median)} (why Node and Lambda use the node:crypto backend)\n` : ''}
The floor (bench/apikey-floor.ts):

\`\`\`ts
${floorSource.trim()}
\`\`\`

`;
}
