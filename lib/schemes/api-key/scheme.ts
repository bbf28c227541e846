import type { SchemeDescriptor } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { apiKeyImplementation } from './implementation.ts';
import { ApiKeySchemeSchema, type ApiKeySchemeOptions } from './options.ts';

/** API keys in a header (`X-Api-Key`), stored hashed: the registry's descriptor, its options schema included. */
export const apiKeyScheme: SchemeDescriptor<ApiKeySchemeOptions> = defineScheme<ApiKeySchemeOptions>({
  ...apiKeyImplementation,
  options: ApiKeySchemeSchema,
});
