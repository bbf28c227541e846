// A client: fetch that signs every request with SigV4 before sending it.
// EDGE_AUTH_KEY_ID and EDGE_AUTH_SECRET name a key of the server's configuration.
import { createSigV4Signer } from 'edge-authorizer';
import { createSignedFetch } from 'edge-authorizer/fetch';

const signer = createSigV4Signer({
  keyId: process.env.EDGE_AUTH_KEY_ID ?? 'AKIDEMO00000000000001',
  secret: process.env.EDGE_AUTH_SECRET ?? 'demo-only-secret-do-not-use-in-production-1',
  region: 'us-east-1',
  service: 'execute-api',
  // Sign the body's hash in x-amz-content-sha256: an API Gateway authorizer never sees the body, and
  // verifies a request with one only through that header (the integration then checks the body).
  signContentSha256: true,
});

// Pass { fetch } to sign for another fetch implementation (a mock, undici, a Worker's service binding).
const signedFetch = createSignedFetch(signer);

const base = process.env.EDGE_AUTH_URL ?? 'http://127.0.0.1:8787';
const res = await signedFetch(`${base}/hello?name=world`);
console.log(res.status, await res.text());

const created = await signedFetch(`${base}/items`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'widget' }),
});
console.log(created.status, await created.text());
