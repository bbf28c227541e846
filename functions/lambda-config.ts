// Loads and validates the configuration document once per Lambda container: AUTH_CONFIG (JSON text)
// or AUTH_CONFIG_FILE (a path in the deployment package, relative to LAMBDA_TASK_ROOT or the cwd).
// The integrations (api.ts) and authorizer-runtime.ts use it; the deployed authorizer.ts gets its
// configuration validated by the build instead (lambda-prevalidated.ts).
import { createAuthenticator, type Authenticator } from '../lib/authenticator.ts';
import { ConfigError, loadConfig } from '../lib/config/index.ts';
import { readConfigFile } from './config-file.ts';
import { lambdaKeyStoreOpener } from './lambda-key-stores.ts';

let cached: Authenticator | undefined;

export function lambdaAuthenticator(): Authenticator {
  if (cached) return cached;
  let text = process.env.AUTH_CONFIG;
  if (!text) {
    const file = process.env.AUTH_CONFIG_FILE;
    if (!file) throw new ConfigError(['(environment): set AUTH_CONFIG or AUTH_CONFIG_FILE']);
    text = readConfigFile(file).toString('utf8');
  }
  try {
    cached = createAuthenticator(loadConfig(text), { openKeyStore: lambdaKeyStoreOpener() });
  } catch (e) {
    if (e instanceof ConfigError) console.error(JSON.stringify({ event: 'config.invalid', issues: e.issues }));
    throw e;
  }
  return cached;
}
