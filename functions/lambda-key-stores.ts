// The key stores this repository's Lambda functions open: the package's openLambdaKeyStore
// (lib/adapters/aws-lambda/key-stores.ts), its events written as the functions' log lines.
import type { KeyStoreSpec } from '../lib/config/schema.ts';
import { openLambdaKeyStore, type LambdaKeyStore, type LambdaKeyStoreOptions } from '../lib/adapters/aws-lambda/key-stores.ts';
import { logLine } from './lambda-log.ts';

/**
 * `openKeyStore` for the authenticator of a Lambda function: {@link openLambdaKeyStore}, logging
 * through `logLine` unless `options.log` says otherwise.
 *
 * @throws ConfigError for a store type Lambda cannot open, no region, or a MAuth private key named by binding.
 * @example
 * createAuthenticator(config, { openKeyStore: lambdaKeyStoreOpener() });
 */
export function lambdaKeyStoreOpener(options: LambdaKeyStoreOptions = {}): (spec: KeyStoreSpec, index: number) => LambdaKeyStore {
  const settings: LambdaKeyStoreOptions = { ...options, log: options.log ?? logLine };
  return (spec, index) => openLambdaKeyStore(spec, index, settings);
}
