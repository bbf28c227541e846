export { ConfigSchema, type Config, type KeyConfig, type RouteConfig } from './schema.ts';
export { ConfigError, loadConfig, keyRecords, parseJsonSafe } from './load.ts';
