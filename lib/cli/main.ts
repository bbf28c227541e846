import { parseArgs } from 'node:util';
import { configuredSchemes, loadConfig, type Config } from '../config/index.ts';
import { JsonTextError, parseJsonSafe } from '../config/json.ts';
import { createAuthenticator } from '../authenticator.ts';
import { KeyStoreError, type KeyStore } from '../keys/types.ts';
import { AuthFailure } from '../core/errors.ts';
import { fromRequestJson, toRequestJson } from '../core/request-json.ts';
import { headerValues, splitUrl, type SignedRequest } from '../core/request.ts';
import { builtInSchemes, type SchemeRegistry } from '../schemes/registry.ts';
import { toCurlConfig } from './curl-config.ts';
import { CliError, toCliError, usageError } from './errors.ts';
import { keys, keysUsage } from './keys.ts';
import { tokenKeys, tokenKeysUsage } from './token-keys.ts';
import type { SecretsManagerOps, SecretsManagerTarget } from './keys-secrets-manager.ts';
import { redactExplanation, type RedactedExplanation } from './redact.ts';

const MAX_STDIN_BYTES = 10 * 1024 * 1024;

const SYNOPSIS: Readonly<Record<string, string>> = {
  sign: '  edge-auth sign         --config FILE --key ID|--private-key FILE|--secret-env NAME [--scheme ID] [--algorithm ALG] [--presign [--expires SECONDS]] [--now EPOCH_SECONDS] [--format json|curl] < request.json',
  verify: '  edge-auth verify       --config FILE [--now EPOCH_SECONDS] < request.json',
  explain: '  edge-auth explain      --config FILE [--json] < request.json',
  'check-config': '  edge-auth check-config --config FILE',
  keys: keysUsage,
  'token-keys': tokenKeysUsage,
};

const REQUEST_JSON = `request.json: {"method":"GET","url":"https://host/path?query","headers":[["Name","value"]] or {"name":"value"},"body":"text"} ("bodyBase64" for binary)`;

const EXIT_STATUS = `exit status: 0 done (verify: accepted); 1 the request was rejected or could not be signed, verified or
explained; 2 a usage, configuration or request.json problem. On 1 and 2, stderr is one line of JSON:
{"ok":false,"code":"ERR_...","message":"...","issues":["field: what is wrong"]} (verify also prints
its result on stdout). explain shows session tokens and the key id (MAuth: the app uuid) redacted, never
secrets or signatures.`;

const SIGN_SECRETS = `sign --private-key FILE: the private key to sign with (MAuth: the app's PEM), read from the file, so it
never stands in argv or the configuration; --key is then the key id (MAuth: the app uuid; default the
APP_UUID environment variable, which keeps it out of argv too) and need not be in the configuration. --algorithm picks a scheme's variant (MAuth: v1, v2 or v1,v2 among
schemes.mauth.signVersions).

sign --secret-env NAME: the secret to sign with from the environment variable NAME (api-key: the API
key itself, which its record holds only as a hash), so it never stands in argv; with --key ID.

sign --format curl: the signed request as a curl config instead of request.json, for curl to read on
stdin, so the signature never stands in argv:  edge-auth sign ... --format curl < request.json | curl -K -
(the URL as signed, the method, every header, a UTF-8 body sent as it is).`;

const schemesLine = (registry: SchemeRegistry) =>
  `schemes (--scheme; default: the key's scheme, else the only configured one): ${registry.ids.join(', ')}`;

/** The whole usage, or one command's (`edge-auth sign --help`): its synopsis and the paragraphs that concern it. */
const usage = (registry: SchemeRegistry, command?: string): string => {
  if (command === undefined || !Object.hasOwn(SYNOPSIS, command))
    return [`usage:\n${Object.values(SYNOPSIS).join('\n')}`, REQUEST_JSON, EXIT_STATUS, SIGN_SECRETS, schemesLine(registry)].join('\n\n');
  const parts = [`usage:\n${SYNOPSIS[command]}`];
  if (command === 'sign' || command === 'verify' || command === 'explain') parts.push(REQUEST_JSON);
  if (command !== 'keys' && command !== 'token-keys') parts.push(EXIT_STATUS);
  if (command === 'sign') parts.push(SIGN_SECRETS);
  if (command === 'sign' || command === 'keys') parts.push(schemesLine(registry));
  return parts.join('\n\n');
};

/**
 * Everything the CLI touches outside itself, injected so tests and embedders run it without a process,
 * files or the real clock.
 */
export interface CliIo {
  readonly stdin: () => Promise<Uint8Array>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => string;
  readonly now: () => number;
  /**
   * The environment (default: none): `sign` reads `APP_UUID` for `--key`, so a MAuth app uuid need not
   * stand in argv, and the variable `--secret-env` names for the secret to sign with (an API key).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Secrets Manager for `keys put|check` (default: the AWS SDK's, imported when first needed). */
  readonly secretsManager?: (target: SecretsManagerTarget) => Promise<SecretsManagerOps>;
}

/** What the CLI works with beyond its I/O. */
export interface CliOptions {
  /** The schemes configurations may name and `--scheme` may pick (default: the built-in ones). */
  readonly registry?: SchemeRegistry;
}

type Command = (args: string[], io: CliIo, registry: SchemeRegistry) => Promise<number>;

function nowFrom(value: string | undefined, io: CliIo): () => number {
  if (value === undefined) return io.now;
  // Up to 9999-12-31T23:59:59Z, the last instant an X-Amz-Date can name.
  if (!/^\d{1,12}$/.test(value) || Number(value) > 253_402_300_799) throw usageError('--now must be epoch seconds up to 253402300799');
  const ms = Number(value) * 1000;
  return () => ms;
}

function readConfig(path: string | undefined, io: CliIo, registry: SchemeRegistry): Config {
  if (!path) throw usageError('--config FILE is required');
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    throw new CliError('ERR_CONFIG', `cannot read the configuration file (${typeof code === 'string' ? code : 'error'})`);
  }
  return loadConfig(text, registry);
}

/**
 * Key stores are opened where a configuration is deployed (Workers KV in the Worker, Secrets Manager
 * beside the Lambda, the MAuth key service from either): the CLI checks their specification and opens
 * none. This stand-in answers every lookup as unavailable; `verify` refuses before asking it.
 */
const notOpened = (): KeyStore => ({
  get: () => Promise.reject(new KeyStoreError('misconfigured', 'the CLI opens no key store')),
});
const cliDeps = (registry: SchemeRegistry) => ({ registry, openKeyStore: notOpened });

/** A library factory's TypeError is a configuration problem (its messages name options, not values). */
function configured<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof TypeError) throw new CliError('ERR_CONFIG', `invalid configuration: ${e.message}`);
    throw e;
  }
}

async function readRequest(io: CliIo): Promise<{ req: SignedRequest; origin: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await io.stdin();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    throw new CliError('ERR_REQUEST_JSON', `cannot read request JSON from stdin (${typeof code === 'string' ? code : 'error'})`);
  }
  if (bytes.length > MAX_STDIN_BYTES) throw new CliError('ERR_REQUEST_JSON', 'request JSON on stdin is larger than 10 MiB');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('ERR_REQUEST_JSON', 'request JSON on stdin is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = parseJsonSafe(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    // JsonTextError messages give a line, a column and a kind, never the text.
    throw new CliError('ERR_REQUEST_JSON', `request JSON on stdin is not valid JSON: ${e.message}`);
  }
  const req = fromRequestJson(doc);
  return { req, origin: splitUrl((doc as { url: string }).url).origin };
}

/** A private key file's text; errors name the file's error code, never its path's contents or the key. */
function readPrivateKey(path: string, io: CliIo): string {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    throw new CliError('ERR_CONFIG', `cannot read the private key file (${typeof code === 'string' ? code : 'error'})`);
  }
  if (text.trim() === '') throw usageError('the private key file is empty');
  return text;
}

/** The secret in the environment variable `name` (`--secret-env`); errors name the variable, never its value. */
function readEnvSecret(name: string, io: CliIo): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) throw usageError('--secret-env must name an environment variable');
  const value = io.env?.[name]?.trim();
  // The name is not quoted: a secret pasted in its place (an API key has a name's shape) would be.
  if (value === undefined || value === '')
    throw usageError("the environment variable --secret-env names is not set or is empty (it takes the variable's name, not the secret)");
  return value;
}

async function sign(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      key: { type: 'string' },
      'private-key': { type: 'string' },
      'secret-env': { type: 'string' },
      scheme: { type: 'string' },
      algorithm: { type: 'string' },
      presign: { type: 'boolean' },
      expires: { type: 'string' },
      now: { type: 'string' },
      format: { type: 'string' },
    },
    strict: true,
  });
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'curl') throw usageError('--format must be json or curl');
  const config = readConfig(values.config, io, registry);
  // The key id (MAuth: the app uuid) from --key or, as the original reads it, APP_UUID.
  const keyId = values.key ?? (values['private-key'] !== undefined ? io.env?.['APP_UUID'] : undefined);
  if (!keyId) throw usageError('--key ID is required (with --private-key, APP_UUID in the environment will do)');
  // With --private-key (or --secret-env) the key is the file's (the variable's) and --key its id; the
  // configuration may hold only its public half or its hash, or nothing.
  if (values['private-key'] !== undefined && values['secret-env'] !== undefined)
    throw usageError('give --private-key FILE or --secret-env NAME, not both');
  const privateKey =
    values['private-key'] !== undefined
      ? readPrivateKey(values['private-key'], io)
      : values['secret-env'] !== undefined
        ? readEnvSecret(values['secret-env'], io)
        : undefined;
  const key = config.keys.find((k) => k.id === keyId);
  if (!key && privateKey === undefined)
    throw usageError('no key with that id in the configuration (or give --private-key FILE or --secret-env NAME)');
  const on = configuredSchemes(config);
  if (values.scheme !== undefined && !registry.get(values.scheme)) throw usageError(`--scheme must be one of ${registry.ids.join(', ')}`);
  const schemeId = values.scheme ?? key?.scheme ?? (on.length === 1 ? on[0]! : undefined);
  if (schemeId === undefined)
    throw usageError(`--scheme is required: the key names no scheme and several are configured (${on.join(', ')})`);
  const auth = configured(() => createAuthenticator(config, cliDeps(registry)));
  // schemeId is a registry id from here on, so messages may name it.
  const active = auth.schemes.find((s) => s.descriptor.id === schemeId);
  if (!active) throw new CliError('ERR_CONFIG', `the configuration does not turn on scheme "${schemeId}"`);
  if (key?.scheme !== undefined && key.scheme !== schemeId) throw usageError(`that key belongs to scheme "${key.scheme}"`);
  const secret = privateKey ?? key?.secrets[0];
  if (secret === undefined) throw usageError('that key holds no secret to sign with (a public key only): give --private-key FILE');
  const { descriptor, options } = active;
  const variants = descriptor.signerVariants?.(options) ?? [];
  if (values.algorithm !== undefined && !variants.includes(values.algorithm)) {
    throw usageError(
      variants.length > 0 ? `--algorithm must be one of ${variants.join(', ')}` : `scheme "${schemeId}" takes no --algorithm`,
    );
  }
  if (values.expires !== undefined && !values.presign) throw usageError('--expires needs --presign');
  const expiresIn = values.expires === undefined ? 900 : /^\d{1,6}$/.test(values.expires) ? Number(values.expires) : NaN;
  if (!(expiresIn >= 1 && expiresIn <= 604800)) throw usageError('--expires must be 1..604800 seconds');
  const clock = nowFrom(values.now, io);
  const signer = configured(() =>
    descriptor.createSigner(
      options,
      { id: keyId, secret, ...(privateKey === undefined && key?.sessionToken ? { sessionToken: key.sessionToken } : {}) },
      { clock, ...(values.algorithm !== undefined ? { variant: values.algorithm } : {}) },
    ),
  );
  if (values.presign && !signer.presign) throw usageError(`scheme "${schemeId}" cannot presign URLs`);
  const { req, origin } = await readRequest(io);
  if (headerValues(req, 'host').length === 0) {
    throw new CliError('ERR_REQUEST_JSON', 'nothing says which host to sign for: give an absolute "url" or a Host header', {
      issues: ['url: a path without a host, and no Host header'],
    });
  }
  const signed = values.presign ? await signer.presign!(req, { expiresIn }) : await signer.sign(req);
  io.stdout(format === 'curl' ? toCurlConfig(signed, origin) : JSON.stringify(toRequestJson(signed, origin), null, 2) + '\n');
  return 0;
}

async function verify(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, now: { type: 'string' } }, strict: true });
  const config = readConfig(values.config, io, registry);
  const clock = nowFrom(values.now, io);
  const auth = configured(() => createAuthenticator(config, { clock, ...cliDeps(registry) }));
  const { req } = await readRequest(io);
  const selected = auth.select(req);
  const store = selected.ok ? config.keyStores.findIndex((s) => s.schemes.includes(selected.scheme.descriptor.id)) : -1;
  if (store !== -1) {
    throw new CliError(
      'ERR_CONFIG',
      `keyStores[${store}] holds the keys of the scheme this request speaks, and the CLI opens no key store: ` +
        'verify with a configuration whose keys[] holds the key',
    );
  }
  const result = await auth.authenticate(req);
  if (result.ok) {
    io.stdout(JSON.stringify({ ok: true, scheme: result.scheme, keyId: result.keyId, principal: result.principal }) + '\n');
    return 0;
  }
  const { code, status, message } = result.error;
  // The documented result stays on stdout; stderr carries the same failure as every other exit 1.
  io.stdout(JSON.stringify({ ok: false, code, status, message }) + '\n');
  io.stderr(new CliError(code, message, { exitCode: 1, status }).toLine());
  return 1;
}

function explainText(e: RedactedExplanation): string {
  const lines = [
    `algorithm:      ${e.algorithm} (${e.mode === 'query' ? 'presigned URL' : 'Authorization header'})`,
    `scope:          ${e.scope}`,
    `signed headers: ${e.signedHeaders.join(';')}`,
    `payload hash:   ${e.payloadHash}`,
  ];
  if (e.redacted.length > 0) {
    lines.push(
      '',
      'redacted:       these values are shown as <redacted LENGTH chars sha256:FIRST-8-HEX-DIGITS-OF-THEIR-SHA-256>:',
      ...e.redacted.map((r) => `                - ${r.where} (${r.length} chars, sha256:${r.sha256})`),
      "                Your client's canonical request has them in full, so it differs there; the hash in the",
      '                string to sign is of the full canonical request.',
    );
  }
  e.alternatives.forEach((a, i) => {
    const label = e.alternatives.length > 1 ? ` (form ${i + 1} of ${e.alternatives.length})` : '';
    lines.push(
      '',
      `canonical request${label}:`,
      '-----',
      a.canonicalRequest,
      '-----',
      '',
      `string to sign${label}:`,
      '-----',
      a.stringToSign,
      '-----',
    );
  });
  return lines.join('\n') + '\n';
}

async function explain(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const config = readConfig(values.config, io, registry);
  const auth = configured(() => createAuthenticator(config, cliDeps(registry)));
  const { req } = await readRequest(io);
  // The scheme the request speaks explains it; none, or several, is the verifier's own refusal.
  const selected = auth.select(req);
  if (!selected.ok) throw new AuthFailure(selected.error.code, selected.error.message);
  const { verifier, descriptor } = selected.scheme;
  if (!verifier.explain) throw usageError(`scheme "${descriptor.id}" has nothing to explain (no canonical request)`);
  const configuredSecrets = config.keys.flatMap((k) => [...k.secrets, ...(k.sessionToken ? [k.sessionToken] : [])]);
  const e = redactExplanation(await verifier.explain(req), req, configuredSecrets);
  if (values.json) {
    const note =
      e.redacted.length > 0
        ? "values listed in redacted are shown as <redacted LENGTH chars sha256:FIRST-8-HEX-DIGITS>; your client's canonical request has them in full"
        : undefined;
    io.stdout(JSON.stringify({ ...e, ...(note ? { note } : {}) }, null, 2) + '\n');
  } else {
    io.stdout(explainText(e));
  }
  return 0;
}

async function checkConfig(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } }, strict: true });
  const config = readConfig(values.config, io, registry);
  const auth = configured(() => createAuthenticator(config, cliDeps(registry)));
  io.stdout(
    JSON.stringify({
      ok: true,
      schemes: auth.schemes.map((s) => s.descriptor.id),
      keys: config.keys.length,
      routes: config.routes.length,
      publicRoutes: config.routes.filter((r) => r.public).length,
      // Checked as specifications; opened where the configuration is deployed, not here.
      ...(config.keyStores.length > 0 ? { keyStores: config.keyStores.map((s) => s.type) } : {}),
    }) + '\n',
  );
  return 0;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  sign,
  verify,
  explain,
  'check-config': checkConfig,
  keys,
  'token-keys': (args, io) => tokenKeys(args, io),
};

/**
 * Runs the CLI and resolves the exit status; never throws or rejects, whatever argv and stdin hold.
 * Exit 0 done, 1 rejected or not signable/verifiable/explainable, 2 usage, configuration,
 * request.json or internal problem; on 1 and 2 stderr gets exactly one line of JSON ({@link CliError}).
 * Schemes, `--scheme` and what `sign` and `explain` can do come from the registry's descriptors.
 *
 * @example
 * const code = await main(['check-config', '--config', 'auth.json'], io);
 * const withToy = await main(['sign', '--config', 'toy.json', '--key', 'toy-1'], io, { registry: builtInSchemes.with(toyScheme) });
 */
export async function main(argv: readonly string[], io: CliIo, options: CliOptions = {}): Promise<number> {
  const registry = options.registry ?? builtInSchemes;
  try {
    const [command, ...rest] = argv;
    if (command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      // `edge-auth sign --help` (or `help sign`): that command's usage; otherwise all of it.
      const about = command === 'help' || command === '--help' || command === '-h' ? rest[0] : command;
      io.stdout(usage(registry, about) + '\n');
      return 0;
    }
    if (command === undefined) throw usageError('a command is required: sign, verify, explain, check-config, keys or token-keys');
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    // Not quoted: a word in the command's place may be a secret pasted by mistake.
    if (!run) throw usageError('unknown command: the commands are sign, verify, explain, check-config, keys and token-keys');
    return await run(rest, io, registry);
  } catch (e) {
    const error = toCliError(e);
    try {
      io.stderr(error.toLine());
    } catch {
      /* nowhere left to report it */
    }
    return error.exitCode;
  }
}
