/**
 * The floor our Lambda REQUEST authorizer is measured against: the least a REST API authorizer does for
 * a signed GET, in bare node:crypto. BENCHMARKS.md shows this file as it is.
 *
 * It takes the path and headers from the event as they are (no stage, base path or wire form to work
 * out), checks the signature with the SigV4 floor (bench/floor.ts: no parsing, no validation, no key
 * lookup, no clock) and answers an Allow for the called ARN. It decides no route and logs nothing.
 */
import type { SignedRequest } from '../lib/core/request.ts';
import { floorVerify } from './floor.ts';

/** What the floor reads of a REST API authorizer event. */
export interface FloorEvent {
  readonly methodArn: string;
  readonly httpMethod: string;
  readonly headers: Record<string, string>;
  readonly requestContext: { readonly path: string };
}

const EMPTY = new Uint8Array();

/** The floor's whole authorizer: an Allow policy for a request the signing key signed, else "Unauthorized". */
export function floorAuthorizer(event: FloorEvent, signingKey: Buffer, scope: string) {
  const req: SignedRequest = {
    method: event.httpMethod,
    path: event.requestContext.path,
    query: '',
    headers: Object.entries(event.headers),
    body: EMPTY,
  };
  if (!floorVerify(req, signingKey, scope)) throw new Error('Unauthorized');
  return {
    principalId: 'bench',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [event.methodArn] }] },
  };
}
