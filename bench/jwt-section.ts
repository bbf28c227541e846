/**
 * The BENCHMARKS.md section `## JWT verification per request`, from the per-run medians of the JWT
 * cases (bench/jwt-cases.ts) that `npm run bench` measured.
 */
import { JWT_CASES } from './jwt-cases.ts';
import { caseTable, runRatio, fmt, spread, target } from './stats.ts';

/**
 * The section. `runsOf(name)` gives a case's per-run medians in µs/op (runs in the same order for
 * every case); `names` are the measured JWT cases in table order.
 */
export function jwtSection(runsOf: (name: string) => readonly number[], names: readonly string[]): string {
  const ratio = (a: string, b: string) => runRatio(runsOf, a, b);
  const table = caseTable(runsOf, names, JWT_CASES.aws, 'aws-jwt-verify');
  const repeated = spread(runsOf(JWT_CASES.cached));
  return `## JWT verification per request

An RS256 token (2048-bit RSA key, a fresh key pair in each process; header \`alg\`, \`kid\`, \`typ\`;
claims \`iss\`, \`aud\`, \`sub\`, \`iat\`, \`exp\`, \`scope\`) in \`Authorization: Bearer\` of the request of
the first table. Every call gets a fresh request rebuilt from its wire bytes (the same token bytes in
new strings); the peers are handed the token read from that request's Authorization header. "Our
verify" is the whole path with the token cache off: find the one token (refusing two sources), decode
it strictly, choose the issuer by \`iss\`, pin the algorithm to the issuer's list and the key's type,
check the signature through the node:crypto backend (\`crypto.verify\`, key imported once per key
record), then \`exp\`/\`nbf\`/\`iat\` with the tolerance, \`aud\`, and map \`sub\` and \`scope\` to a principal
and permissions. jose 6 verifies through Web Crypto (asynchronous on Node), with its key imported once;
aws-jwt-verify 5 (\`JwtRsaVerifier\`, its JWKS preloaded with \`cacheJwks\`, so no network) uses
node:crypto; fast-jwt 6 (\`createVerifier\` with the PEM, its own cache off) uses node:crypto. The
floor (bench/jwt-cases.ts \`floorVerifyJwt\`) splits the token, decodes with \`Buffer\`, calls
\`crypto.verify\`, parses the header and payload and checks \`exp\` only. The last row verifies the same
request again and again with the token cache on (1,000 entries): no crypto, the times still checked.
Measured as the first table (fresh processes, interleaved runs, medians).

${table}

Targets:

${target('our verify ÷ aws-jwt-verify (the same token, fresh request, no token cache)', ratio(JWT_CASES.ours, JWT_CASES.aws), 1)}
- our verify ÷ the node:crypto floor: **${fmt(ratio(JWT_CASES.ours, JWT_CASES.floor).median, 3)}**; ÷ jose: **${fmt(ratio(JWT_CASES.ours, JWT_CASES.jose).median, 3)}**; ÷ fast-jwt: **${fmt(ratio(JWT_CASES.ours, JWT_CASES.fast).median, 3)}**
- a repeated token with the cache on: **${fmt(repeated.median)} µs** (runs ${fmt(repeated.min)} – ${fmt(repeated.max)}; target under 2 µs: ${repeated.median < 2 ? 'met' : 'MISSED'})

`;
}
