export {
  createConfigSchema,
  createKeyStoreSchema,
  KeyCacheSchema,
  type Config,
  type KeyConfig,
  type KeyStoreSpec,
  type RouteConfig,
} from './schema.ts';
export { ConfigError, loadConfig, keyRecords, configuredSchemes, parseJsonSafe } from './load.ts';
