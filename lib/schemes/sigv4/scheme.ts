import type { SchemeDescriptor } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { sigv4Implementation } from './implementation.ts';
import { SigV4SchemeSchema, type SigV4SchemeOptions } from './options.ts';

/**
 * The SigV4 family (AWS Signature Version 4 and python-dciauth's DCI2), header and presigned-URL
 * authentication, as the registry sees it: {@link sigv4Implementation} and its options schema
 * (`schemes.sigv4`). Recognised by an `Authorization` header whose first token is of the family or
 * by `X-Amz-*` presigning parameters. The body is covered through a hash: declared in
 * `x-amz-content-sha256`, or computed from the body (`header-hash`). A signature proves one
 * request, so its answers are never cached across routes.
 *
 * @throws TypeError from `createSigner` when `variant` is not one of the configured algorithms, and
 * from either factory on options the SigV4 verifier or signer refuses.
 * @example
 * const verifier = sigv4Scheme.createVerifier(v.parse(sigv4Scheme.options, { region: 'us-east-1', service: 'execute-api' }), { keys });
 * const signer = sigv4Scheme.createSigner(options, { id: 'AKIDEXAMPLE', secret }, { variant: 'DCI2-HMAC-SHA256' });
 */
export const sigv4Scheme: SchemeDescriptor<SigV4SchemeOptions> = defineScheme<SigV4SchemeOptions>({
  ...sigv4Implementation,
  options: SigV4SchemeSchema,
});
