export {
  createAuthorizerHandler,
  UNAUTHORIZED,
  EMPTY_BODY_SHA256,
  type AuthorizerContext,
  type AuthorizerLogEntry,
  type AuthorizerResult,
  type AuthorizerOptions,
  type RestAuthorizerResult,
  type SimpleAuthorizerResult,
} from './authorizer.ts';
export {
  authenticate,
  confirmAuthorizerBody,
  LambdaAuthenticator,
  withAuthentication,
  type InFunctionRequest,
  type InFunctionResult,
  type ProxyResult,
} from './in-function.ts';
export {
  authorizerContextOf,
  type AuthorizerEvent,
  type RestAuthorizerEvent,
  type HttpApiAuthorizerEvent,
  type ProxyEvent,
  type RestProxyEvent,
  type HttpApiProxyEvent,
} from './events.ts';
export {
  MAuthLambdaAuthenticator,
  mauthConfigFromEnv,
  type MAuthCompatSettings,
  type MAuthEnv,
  type MAuthKeyServiceSpec,
} from './mauth-compat.ts';
export { openLambdaKeyStore, type LambdaKeyStore, type LambdaKeyStoreOptions } from './key-stores.ts';
