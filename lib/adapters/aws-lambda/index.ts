export {
  createAuthorizerHandler,
  UNAUTHORIZED,
  type AuthorizerContext,
  type AuthorizerResult,
  type AuthorizerOptions,
} from './authorizer.ts';
export {
  authenticate,
  LambdaAuthenticator,
  withAuthentication,
  type InFunctionRequest,
  type InFunctionResult,
  type ProxyResult,
} from './in-function.ts';
export * from './events.ts';
