/**
 * The token service as an AWS Lambda function behind API Gateway (REST or HTTP API) or a function URL,
 * through hono/aws-lambda. Built once per execution environment, in the init phase's first call;
 * configured like functions/token-service-node.ts (TOKEN_SERVICE_CONFIG, DATABASE_URL, secrets as
 * `<NAME>` or `<NAME>_SECRET_ID`).
 */
import { handle } from 'hono/aws-lambda';
import { createNodeTokenService, startFailure, type NodeTokenService } from './token-service-node.ts';

let service: Promise<NodeTokenService> | undefined;

function current(): Promise<NodeTokenService> {
  if (!service) {
    const starting = createNodeTokenService();
    service = starting;
    // A failed start (the database down) is tried again by the next invocation.
    starting.catch(() => {
      if (service === starting) service = undefined;
    });
  }
  return service;
}

export const handler = async (event: Parameters<ReturnType<typeof handle>>[0], context: Parameters<ReturnType<typeof handle>>[1]) => {
  let s: NodeTokenService;
  try {
    s = await current();
  } catch (e) {
    console.error(JSON.stringify(startFailure(e)));
    return { statusCode: 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'service unavailable' }) };
  }
  return handle(s.app)(event, context);
};
