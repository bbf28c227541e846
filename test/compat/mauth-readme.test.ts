// mauth-client-python's README usage (1.6.6, "Usage"), ported line by line. The Python is quoted
// above each line; the network is replaced by a local set-up: a fetch that hands the request to a
// Lambda-style handler, and a key-service opener that serves the app's public key from memory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignedFetch } from '../../lib/adapters/fetch/index.ts';
import { LambdaAuthenticator, mauthSigner, type MAuthKeyServiceSpec } from '../../lib/adapters/aws-lambda/mauth.ts';
import type { KeyStoreSpec } from '../../lib/config/index.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import { APP_UUID as FIXTURE_APP_UUID, PRIVATE_KEY, PUBLIC_KEY } from '../fixtures/mauth-app.ts';

// The environment the README's "Authenticating Incoming Requests" tables name (required, then optional).
const env = {
  APP_UUID: '2a6790ab-f6c6-45be-86fc-9e9be76ec12a',
  PRIVATE_KEY: 'the service’s own key (used by the key service client, never read here)',
  MAUTH_URL: 'https://mauth-innovate.imedidata.com',
  MAUTH_API_VERSION: 'v1',
  MAUTH_MODE: 'local',
  V2_ONLY_AUTHENTICATE: 'False',
};

// The key service the MAUTH_URL stands for, locally: the public key of the calling app by its uuid.
const opened: Array<KeyStoreSpec | MAuthKeyServiceSpec> = [];
const keyService = (spec: KeyStoreSpec | MAuthKeyServiceSpec) => {
  opened.push(spec);
  return createMemoryKeyStore([
    {
      id: FIXTURE_APP_UUID,
      scheme: 'mauth',
      secrets: [],
      publicKeys: [{ format: 'spki', pem: PUBLIC_KEY }],
      principal: 'caller',
      permissions: [],
    },
  ]);
};

// The iMedidata API of the example, as a Lambda function using LambdaAuthenticator.
const studies = { studies: [{ uuid: 'b5c0a9f4-1d1e-4a4b-9f77-000000000001' }, { uuid: 'b5c0a9f4-1d1e-4a4b-9f77-000000000002' }] };
const received: Array<{ headers: Record<string, string> }> = [];
async function lambdaHandler(event: { method: string; url: string; headers: Record<string, string>; body: string }) {
  received.push({ headers: event.headers });
  const { method, url, headers, body } = event;
  // authenticator = LambdaAuthenticator(method, url, headers, body)
  const authenticator = new LambdaAuthenticator(method, url, headers, body);
  // authentic, status_code, message = authenticator.is_authentic()
  const [authentic, statusCode, message] = await authenticator.isAuthentic();
  // app_uuid = authenticator.get_app_uuid()
  const appUuid = authenticator.getAppUuid();
  if (!authentic) return new Response(JSON.stringify({ errors: { mauth: [message] } }), { status: statusCode });
  return Response.json({ ...studies, caller: appUuid });
}
const network = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const req = new Request(input, init);
  return lambdaHandler({ method: req.method, url: req.url, headers: Object.fromEntries(req.headers), body: await req.text() });
}) as typeof fetch;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mauth-readme-'));
  writeFileSync(join(dir, 'private.key'), PRIVATE_KEY, { mode: 0o600 });
  LambdaAuthenticator.configure({ env, openKeyStore: keyService });
});
afterAll(() => LambdaAuthenticator.configure());

describe("the original README's usage, line by line", () => {
  it('Signing Outgoing Requests, then Authenticating Incoming Requests in an AWS Lambda function', async () => {
    const printed: string[] = [];
    const print = (x: unknown) => printed.push(typeof x === 'string' ? x : JSON.stringify(x));

    // # MAuth configuration
    // APP_UUID = "<MAUTH_APP_UUID>"
    const APP_UUID = FIXTURE_APP_UUID;
    // private_key = open("private.key", "r").read()
    const private_key = readFileSync(join(dir, 'private.key'), 'utf8');
    // mauth = MAuth(APP_UUID, private_key)
    const mauth = mauthSigner(APP_UUID, private_key, undefined, { env: {} });

    // # Call an MAuth protected resource, in this case an iMedidata API
    // # listing the studies for a particular user
    // user_uuid = "10ac3b0e-9fe2-11df-a531-12313900d531"
    const user_uuid = '10ac3b0e-9fe2-11df-a531-12313900d531';
    // url = "https://innovate.imedidata.com/api/v2/users/{}/studies.json".format(user_uuid)
    const url = `https://innovate.imedidata.com/api/v2/users/${user_uuid}/studies.json`;

    // # Make the requests call, passing the auth client
    // result = requests.get(url, auth=mauth)
    const result = await createSignedFetch(mauth, { fetch: network })(url);

    // # Print results
    // if result.status_code == 200:
    //     print([r["uuid"] for r in result.json()["studies"]])
    const text = await result.text();
    if (result.status === 200) print((JSON.parse(text) as typeof studies).studies.map((r) => r.uuid));
    // print(result.text)
    print(text);

    expect(result.status).toBe(200);
    expect(printed[0]).toBe(JSON.stringify(studies.studies.map((r) => r.uuid)));
    expect(JSON.parse(printed[1]!)).toMatchObject({ caller: APP_UUID });
    // The original signs v1 by default (MAUTH_SIGN_VERSIONS unset).
    expect(Object.keys(received.at(-1)!.headers).sort()).toEqual(expect.arrayContaining(['x-mws-authentication', 'x-mws-time']));
    expect(received.at(-1)!.headers).not.toHaveProperty('mcc-authentication');
    // MAUTH_URL stood for the key service entry (the private key by variable name, never its value).
    expect(opened.at(-1)).toEqual({
      type: 'mauth-key-service',
      schemes: ['mauth'],
      url: 'https://mauth-innovate.imedidata.com',
      mode: 'local',
      appUuid: env.APP_UUID,
      privateKey: { env: 'PRIVATE_KEY' },
    });
  });

  it('MAUTH_SIGN_VERSIONS passed to the constructor: v1 and v2', async () => {
    // mauth_sign_versions = "v1,v2"
    const mauth_sign_versions = 'v1,v2';
    // mauth = MAuth(APP_UUID, private_key, mauth_sign_versions)
    const mauth = mauthSigner(FIXTURE_APP_UUID, PRIVATE_KEY, mauth_sign_versions);
    const result = await createSignedFetch(mauth, { fetch: network })('https://innovate.imedidata.com/api/v2/users/x/studies.json?a=1');
    expect(result.status).toBe(200);
    expect(received.at(-1)!.headers).toHaveProperty('mcc-authentication');
    expect(received.at(-1)!.headers).toHaveProperty('x-mws-authentication');
  });

  it('MAUTH_SIGN_VERSIONS from the environment', async () => {
    const mauth = mauthSigner(FIXTURE_APP_UUID, PRIVATE_KEY, undefined, { env: { MAUTH_SIGN_VERSIONS: 'v2' } });
    expect((await createSignedFetch(mauth, { fetch: network })('https://innovate.imedidata.com/studies.json')).status).toBe(200);
    expect(received.at(-1)!.headers).toHaveProperty('mcc-authentication');
    expect(received.at(-1)!.headers).not.toHaveProperty('x-mws-authentication');
  });

  it('an unsigned call gets the original’s 401 and message', async () => {
    const res = await network('https://innovate.imedidata.com/api/v2/users/x/studies.json');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      errors: {
        mauth: [
          'Authentication Failed. No mAuth signature present; X-MWS-Authentication header is blank, MCC-Authentication header is blank.',
        ],
      },
    });
  });
});
