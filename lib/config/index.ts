export { ConfigSchema, createConfigSchema, createKeySchema, type Config, type KeyConfig, type RouteConfig } from './schema.ts';
export { ConfigError, loadConfig, keyRecords, configuredSchemes, parseJsonSafe } from './load.ts';
