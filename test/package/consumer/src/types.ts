// Uses the types of every entry point under a strict tsc (NodeNext resolution, no skipLibCheck).
import {
  authError,
  ConfigError,
  createAuthenticator,
  createMemoryKeyStore,
  createSigV4Signer,
  createSigV4Verifier,
  ErrorCodes,
  loadConfig,
  publicError,
  type AuthError,
  type AuthResult,
  type Config,
  type KeyRecord,
  type KeyStore,
  type Principal,
  type SignedRequest,
  type Signer,
  type Verifier,
} from 'edge-authorizer';
import {
  edgeAuth,
  headersWithoutCredentials,
  queryWithoutCredentials,
  toSignedRequest,
  type AuthLogEntry,
  type EdgeAuthOptions,
  type EdgeAuthVariables,
} from 'edge-authorizer/hono';
import {
  authenticate,
  confirmAuthorizerBody,
  createAuthorizerHandler,
  LambdaAuthenticator,
  withAuthentication,
  type AuthorizerResult,
  type HttpApiAuthorizerEvent,
  type InFunctionResult,
  type ProxyEvent,
  type ProxyResult,
  type RestAuthorizerEvent,
} from 'edge-authorizer/aws-lambda';
import {
  createSignedFetch,
  SignedFetchError,
  type SignedFetch,
  type SignedFetchErrorCode,
  type SignedFetchOptions,
} from 'edge-authorizer/fetch';

const record: KeyRecord = { id: 'AKID', secrets: ['0123456789abcdef'], principal: 'p', permissions: [] };
const keys: KeyStore = createMemoryKeyStore([record]);
const verifier: Verifier = createSigV4Verifier({ keys, region: 'us-east-1', service: 'execute-api' });
const signer: Signer = createSigV4Signer({ keyId: 'AKID', secret: '0123456789abcdef', region: 'us-east-1', service: 'execute-api' });
const request: SignedRequest = { method: 'GET', path: '/', query: '', headers: [['host', 'a.example']] };
// @ts-expect-error the request model is typed: a method is a string
const wrong: SignedRequest = { method: 1, path: '/', query: '', headers: [] };

export async function check(json: string): Promise<string> {
  let config: Config;
  try {
    config = loadConfig(json);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.join('\n');
    throw e;
  }
  const auth = createAuthenticator(config, { keys });
  const result: AuthResult = await auth.authenticate(await signer.sign(request));
  if (result.ok) {
    const who: Principal = result.principal;
    return who.id;
  }
  const shown: AuthError = publicError(result.error);
  const status: number = ErrorCodes[shown.code];
  return `${status} ${authError('ERR_FORBIDDEN', 'no').code} ${String(verifier.scheme)} ${String(wrong)}`;
}

const log = (e: AuthLogEntry): string => e.event;
const options: EdgeAuthOptions = { authenticator: () => createAuthenticator(loadConfig('{}')), log: (e) => void log(e) };
export const middleware = edgeAuth(options);
export const forward = (h: Headers, vars: EdgeAuthVariables): [Headers, string, unknown] => [
  headersWithoutCredentials(h, { headers: ['authorization'], query: [] }, vars.auth?.principal.id),
  queryWithoutCredentials('a=1&X-Amz-Signature=x', { headers: [], query: ['X-Amz-Signature'] }),
  toSignedRequest,
];

export const authorizer: (e: RestAuthorizerEvent | HttpApiAuthorizerEvent) => Promise<AuthorizerResult> = createAuthorizerHandler({
  authenticator: () => createAuthenticator(loadConfig('{}')),
});
export const inFunction = (e: ProxyEvent): Promise<InFunctionResult> => confirmAuthorizerBody(e);
export const proxied = withAuthentication(createAuthenticator(loadConfig('{}')), async (): Promise<ProxyResult> => ({
  statusCode: 200,
  body: '',
}));
export const direct = (): Promise<InFunctionResult> => authenticate({ method: 'GET', url: '/x', headers: {} });
export const legacy = LambdaAuthenticator;

const fetchOptions: SignedFetchOptions = { maxBodyBytes: 1024, fetch: globalThis.fetch };
export const signedFetch: SignedFetch = createSignedFetch(signer, fetchOptions);
export const codeOf = (e: unknown): SignedFetchErrorCode | undefined => (e instanceof SignedFetchError ? e.code : undefined);
