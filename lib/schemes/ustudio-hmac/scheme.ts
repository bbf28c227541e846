import type { SchemeDescriptor } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { ustudioHmacImplementation } from './implementation.ts';
import { UStudioSchemeSchema, type UStudioSchemeOptions } from './options.ts';

/** USTUDIO-HMAC-V2 (ustudio-hmac-tornado 0.3.0): the registry's descriptor, its options schema included. */
export const ustudioScheme: SchemeDescriptor<UStudioSchemeOptions> = defineScheme<UStudioSchemeOptions>({
  ...ustudioHmacImplementation,
  options: UStudioSchemeSchema,
});
