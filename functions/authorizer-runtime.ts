/**
 * The API Gateway REQUEST authorizer (REST APIs and HTTP APIs). See lib/adapters/aws-lambda.
 */
import { createAuthorizerHandler } from '../lib/adapters/aws-lambda/authorizer.ts';
import { lambdaAuthenticator } from './lambda-config.ts';

export const handler = createAuthorizerHandler({
  authenticator: lambdaAuthenticator,
  log: (entry) => console.log(JSON.stringify(entry)),
});
