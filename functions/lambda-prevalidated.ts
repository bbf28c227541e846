// The deployed authorizer's configuration: validated by the build (infra/build.mjs, from
// AUTH_CONFIG_FILE at build time) and put in the bundle, so a cold start neither parses nor
// validates the document and the bundle carries no valibot. The bundle trusts only the configuration
// the build put in it; the environment can make it refuse, never change what it accepts:
// - AUTH_CONFIG set: refused (that text would go unread; authorizer-runtime.ts reads it);
// - AUTH_CONFIG_FILE set (serverless.yml and the SAM template set it, for the integrations): the file
//   must hold the very bytes the build validated, else refused, so a configuration changed without
//   a rebuild fails loudly instead of the authorizer going on with the old one.
import { defaultCrypto } from '#crypto';
import { assembleAuthenticator, type Authenticator } from '../lib/authenticator-core.ts';
import { ConfigError } from '../lib/config/records.ts';
import { readConfigFile } from './config-file.ts';
import { lambdaKeyStoreOpener } from './lambda-key-stores.ts';
import { prevalidated } from './prevalidated-config.ts';

let cached: Authenticator | undefined;

async function checkEnvironment(): Promise<void> {
  if (process.env.AUTH_CONFIG)
    throw new ConfigError([
      '(environment): AUTH_CONFIG is set, but this authorizer was built with its configuration; unset it, or deploy build/lambda/authorizer-runtime, which reads it',
    ]);
  const file = process.env.AUTH_CONFIG_FILE;
  if (!file) return;
  let bytes: Uint8Array;
  try {
    bytes = readConfigFile(file);
  } catch {
    throw new ConfigError(['(environment): AUTH_CONFIG_FILE names no readable file']);
  }
  if ((await defaultCrypto.sha256Hex(bytes)) !== prevalidated.sha256)
    throw new ConfigError([
      '(environment): AUTH_CONFIG_FILE is not the configuration this authorizer was built with; rebuild it with AUTH_CONFIG_FILE set (npm run build)',
    ]);
}

/**
 * The authenticator of the configuration in the bundle, built once per container after the
 * environment checks above.
 *
 * @throws ConfigError when the environment contradicts the bundle (logged as `config.invalid`).
 */
export async function prevalidatedAuthenticator(): Promise<Authenticator> {
  if (cached) return cached;
  try {
    await checkEnvironment();
    // The options are the schemes' schema output already: loadConfig produced them at build time.
    cached = assembleAuthenticator(
      prevalidated.config,
      prevalidated.implementations,
      { openKeyStore: lambdaKeyStoreOpener() },
      (_scheme, options) => options,
    );
  } catch (e) {
    if (e instanceof ConfigError) console.error(JSON.stringify({ event: 'config.invalid', issues: e.issues }));
    throw e;
  }
  return cached;
}
