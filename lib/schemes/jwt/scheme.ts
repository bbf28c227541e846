import type { SchemeDescriptor } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { jwtImplementation } from './implementation.ts';
import { JwtSchemeSchema, type JwtSchemeOptions } from './options.ts';

/** JWT bearer tokens (RFC 7519, dhq-auth compatible): the registry's descriptor, its options schema included. */
export const jwtScheme: SchemeDescriptor<JwtSchemeOptions> = defineScheme<JwtSchemeOptions>({
  ...jwtImplementation,
  options: JwtSchemeSchema,
});
