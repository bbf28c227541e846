// The `edge-authorizer/aws-lambda/mauth` entry: mauth-client-python's names for ported code.
// `LambdaAuthenticator` here is the MAuth-compatible class; `edge-authorizer/aws-lambda` exports the
// same class as `MAuthLambdaAuthenticator` beside its scheme-neutral `LambdaAuthenticator`.
export {
  MAuthLambdaAuthenticator as LambdaAuthenticator,
  MAuthLambdaAuthenticator,
  mauthConfigFromEnv,
  type MAuthCompatSettings,
  type MAuthEnv,
  type MAuthKeyServiceSpec,
} from './mauth-compat.ts';
export { mauthSigner } from '../fetch/mauth.ts';
