// mauth-client-python's usage, in TypeScript: a Lambda that checks MAuth-signed requests with the
// original's LambdaAuthenticator shape, and a client that signs its calls as MAuth(APP_UUID, private_key).
// Configured by the original's variables: MAUTH_URL, APP_UUID, PRIVATE_KEY, MAUTH_MODE,
// V2_ONLY_AUTHENTICATE, MAUTH_SIGN_VERSIONS (or LambdaAuthenticator.configure({ document })).
import { readFileSync } from 'node:fs';
import { LambdaAuthenticator, mauthSigner } from 'edge-authorizer/aws-lambda/mauth';
import { createSignedFetch } from 'edge-authorizer/fetch';

export async function handler(method: string, url: string, headers: Record<string, string>, body: string) {
  const authenticator = new LambdaAuthenticator(method, url, headers, body);
  const [authentic, statusCode, message] = await authenticator.isAuthentic(); // [true, 200, ''] | [false, 401|500, message]
  const appUuid = authenticator.getAppUuid();
  if (!authentic) return { statusCode, body: JSON.stringify({ errors: { mauth: [message] } }) };
  return { statusCode: 200, body: JSON.stringify({ caller: appUuid }) };
}

export async function studies(APP_UUID: string, url: string) {
  const mauth = mauthSigner(APP_UUID, readFileSync('private.key', 'utf8')); // MAuth(APP_UUID, private_key)
  const result = await createSignedFetch(mauth)(url); // requests.get(url, auth=mauth); a redirect is not followed
  return result.status === 200 ? ((await result.json()) as { studies: Array<{ uuid: string }> }).studies.map((r) => r.uuid) : [];
}
