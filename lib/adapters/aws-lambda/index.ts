export {
  createAuthorizerHandler,
  UNAUTHORIZED,
  EMPTY_BODY_SHA256,
  type AuthorizerContext,
  type AuthorizerResult,
  type AuthorizerOptions,
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
export * from './events.ts';
