/**
 * The BENCHMARKS.md section `## Lambda authorizer per request`, from the per-run medians of the Lambda
 * cases (bench/lambda-cases.ts) that `npm run bench` measured.
 */
import { readFileSync } from 'node:fs';
import { LAMBDA_CASES } from './lambda-cases.ts';
import { caseTable, fmt, runRatio, type RunsOf } from './stats.ts';

/** The section. `runsOf(name)` gives a case's per-run medians in µs/op; `names` are the measured Lambda cases in table order. */
export function lambdaSection(runsOf: RunsOf, names: readonly string[]): string {
  const table = caseTable(runsOf, names, LAMBDA_CASES.floor, 'the floor');
  const vs = (name: string) => {
    const r = runRatio(runsOf, name, LAMBDA_CASES.floor);
    return `**${fmt(r.median)}** (runs ${fmt(r.min)} – ${fmt(r.max)})`;
  };
  const floorSource = readFileSync(new URL('../bench/lambda-floor.ts', import.meta.url), 'utf8');
  return `## Lambda authorizer per request

What a warm Lambda spends on one invocation: the REQUEST authorizer handler our package builds
(\`createAuthorizerHandler\`, as \`functions/authorizer.ts\` deploys it, node:crypto backend, the key in
memory), given API Gateway's event for a signed \`GET /prod/items/42\` (host, accept and x-request-id
signed with x-amz-date), parsed afresh from its JSON text for every call as the Lambda runtime hands
one over. The handler reads the event field by field, works out the paths the client may have signed
and the paths route rules speak of, decides the route (two rules: \`/admin/*\` guarded, \`*\`), verifies
the signature (SigV4 without x-amz-content-sha256 covers the body, which an authorizer never sees:
the request is verified as bodyless, which the context hands on for the integration to confirm) and
answers a policy naming the called ARN (REST) or a simple response (HTTP API). The floor (its code is
below) takes the event's path and headers as they are, checks the signature with the SigV4 floor and
answers an Allow. Every case is checked to allow before it is measured; measured as the first table
(fresh processes, interleaved runs, medians).

${table}

- REST handler ÷ the floor: ${vs(LAMBDA_CASES.rest)}; with x-amz-content-sha256: ${vs(LAMBDA_CASES.restHashed)}; HTTP API: ${vs(LAMBDA_CASES.http)} (no target: shown so that the handler's own cost stays in sight)

The floor (bench/lambda-floor.ts):

\`\`\`ts
${floorSource.trim()}
\`\`\`

`;
}
