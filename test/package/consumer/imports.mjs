// Imports every entry point with Node's own ESM loader and prints the names each exports.
const entries = [
  'edge-authorizer',
  'edge-authorizer/hono',
  'edge-authorizer/aws-lambda',
  'edge-authorizer/aws-lambda/mauth',
  'edge-authorizer/fetch',
  'edge-authorizer/token-service',
];
const out = {};
for (const entry of entries) out[entry] = Object.keys(await import(entry)).sort();
console.log(JSON.stringify(out));
