// Calls the esbuild bundle of src/authorizer.ts (argv[2]) with a REST and an HTTP API event signed
// by the installed package, and with an unsigned one. Prints the outcomes as JSON.
import { createSigV4Signer } from 'edge-authorizer';

const { handler } = await import(process.argv[2]);
const signer = createSigV4Signer({ keyId: 'AKIDCONSUMER', secret: 'consumer-secret-0001', region: 'us-east-1', service: 'execute-api' });
const host = 'abc123.execute-api.us-east-1.amazonaws.com';
const rest = await signer.sign({
  method: 'GET',
  path: '/prod/items/42',
  query: 'limit=10',
  headers: [['Host', host]],
  body: new Uint8Array(),
});
const http = await signer.sign({ method: 'GET', path: '/items/42', query: 'limit=10', headers: [['host', host]], body: new Uint8Array() });
const restEvent = (headers) => ({
  type: 'REQUEST',
  methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/42',
  resource: '/items/{id}',
  path: '/items/42',
  httpMethod: 'GET',
  headers: Object.fromEntries(headers),
  multiValueHeaders: Object.fromEntries(headers.map(([n, v]) => [n, [v]])),
  queryStringParameters: { limit: '10' },
  multiValueQueryStringParameters: { limit: ['10'] },
  pathParameters: { id: '42' },
  requestContext: { path: '/prod/items/42', stage: 'prod', httpMethod: 'GET' },
});
const httpEvent = {
  version: '2.0',
  type: 'REQUEST',
  routeArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/items/42',
  routeKey: 'GET /items/{id}',
  rawPath: '/items/42',
  rawQueryString: 'limit=10',
  headers: Object.fromEntries(http.headers.map(([n, v]) => [n.toLowerCase(), v])),
  pathParameters: { id: '42' },
  requestContext: { http: { method: 'GET', path: '/items/42' }, stage: '$default' },
};
const outcome = (p) =>
  p.then(
    (r) => ({ result: r }),
    (e) => ({ thrown: e.message }),
  );
console.log(
  JSON.stringify({
    rest: await outcome(handler(restEvent(rest.headers))),
    http: await outcome(handler(httpEvent)),
    unsigned: await outcome(handler(restEvent([['Host', host]]))),
  }),
);
