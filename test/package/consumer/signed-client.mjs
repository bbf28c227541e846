// Calls the consumer Worker at argv[2] with createSignedFetch from the installed package, over
// Node's own fetch: a signed POST, an odd path that fetch escapes, an unsigned call and a request
// whose body is swapped after signing. Prints each status and body as JSON.
import { createSigV4Signer } from 'edge-authorizer';
import { createSignedFetch } from 'edge-authorizer/fetch';

const base = process.argv[2];
const signer = createSigV4Signer({ keyId: 'AKIDCONSUMER', secret: 'consumer-secret-0001', region: 'us-east-1', service: 'execute-api' });
const signedFetch = createSignedFetch(signer);
const tampering = createSignedFetch(signer, { fetch: (url, init) => fetch(url, { ...init, body: '{"amount":1000}' }) });

const answer = async (res) => ({ status: res.status, body: await res.json() });
const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount":1}' };
console.log(
  JSON.stringify({
    signed: await answer(await signedFetch(`${base}/items/42?limit=10`, json)),
    odd: await answer(await signedFetch(`${base}/items/a b/./é?q=x y&z='`)),
    unsigned: await answer(await fetch(`${base}/items/42?limit=10`, json)),
    tampered: await answer(await tampering(`${base}/items/42?limit=10`, json)),
  }),
);
