import type { SchemeDescriptor } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { mauthImplementation } from './implementation.ts';
import { MAuthSchemeSchema, type MAuthSchemeOptions } from './options.ts';

/** MAuth v1 and v2 (Medidata): the registry's descriptor, its options schema included. */
export const mauthScheme: SchemeDescriptor<MAuthSchemeOptions> = defineScheme<MAuthSchemeOptions>({
  ...mauthImplementation,
  options: MAuthSchemeSchema,
});
