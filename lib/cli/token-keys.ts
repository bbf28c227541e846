// `edge-auth token-keys new | rotate`: makes and rotates the token service's signing key set
// (`{"keys":[{kid, alg, privateKey, retiredAt?}]}`, docs/token-service.md) without hand-editing PEMs.
// The set holds private keys: it goes to a new 0600 file (`--out FILE`, never overwritten) or, only
// when asked with `--out -`, to stdout; what is printed otherwise names kids and dates, never a key.
import { parseArgs } from 'node:util';
import { createPrivateFile } from './keys.ts';
import { loadTokenServiceConfig, TokenServiceConfigError } from '../token-service/config.ts';
import {
  generateSigningKey,
  MAX_SIGNING_KEYS,
  parseSigningKeySet,
  SIGNING_ALGORITHMS,
  SigningKeySetError,
  type SigningAlgorithm,
  type SigningKeyEntry,
} from '../token-service/signing-keys.ts';
import { maxTokenLifetimeSeconds } from '../token-service/tokens.ts';
import { CliError, usageError } from './errors.ts';
import type { CliIo } from './main.ts';

const MAX_STDIN_BYTES = 1024 * 1024;
const SECONDS_PER_DAY = 86_400;

/**
 * How long a retired key is kept when no `--config` tells the token lifetimes: the longest the
 * configuration allows (user tokens 30 days, service tokens 1 day), so no live token loses its key.
 */
const CONSERVATIVE_LIFETIME = maxTokenLifetimeSeconds({
  userTokenTtlSeconds: 30 * SECONDS_PER_DAY,
  serviceTokenTtlSeconds: SECONDS_PER_DAY,
});

/** The `token-keys` part of `edge-auth --help`. */
export const tokenKeysUsage = `  edge-auth token-keys new    --out FILE|- [--alg RS256|EdDSA|ES256] [--kid KID]
  edge-auth token-keys rotate --out FILE|- [--alg RS256|EdDSA|ES256] [--kid KID] [--config TOKEN_SERVICE_CONFIG.json] < keys.json

token-keys makes the token service's signing key set (TOKEN_SIGNING_KEYS). new: a set of one fresh key.
rotate: reads the current set on stdin, retires its current key (retiredAt = now), adds a fresh current
key, and drops retired keys whose tokens have all expired (retiredAt plus the longest token lifetime:
from --config, else 30 days and 1 hour). The set goes to --out FILE, created 0600 and never
overwritten, or to stdout with --out -; stdout (stderr with --out -) gets one JSON line naming the
kids: {"ok":true,"current":...,"retired":[...],"dropped":[...]}. No private key is printed otherwise.`;

interface TokenKeysArgs {
  readonly out: string;
  readonly alg: SigningAlgorithm;
  readonly kid: string | undefined;
  readonly config: string | undefined;
}

function parse(args: string[], withConfig: boolean): TokenKeysArgs {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      alg: { type: 'string' },
      kid: { type: 'string' },
      ...(withConfig ? { config: { type: 'string' } } : {}),
    },
    strict: true,
    allowPositionals: false,
  });
  const out = values.out as string | undefined;
  if (out === undefined || out === '')
    throw usageError('--out FILE is required (a new 0600 file), or --out - to write the private keys to stdout');
  const alg = (values.alg as string | undefined) ?? 'RS256';
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) throw usageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const kid = values.kid as string | undefined;
  if (kid !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(kid)) throw usageError('--kid must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  return { out, alg: alg as SigningAlgorithm, kid, config: values.config as string | undefined };
}

function writeSet(io: CliIo, out: string, set: { keys: SigningKeyEntry[] }, summary: Record<string, unknown>): void {
  const text = JSON.stringify(set, null, 2) + '\n';
  const line = JSON.stringify({ ok: true, ...summary }) + '\n';
  if (out === '-') {
    io.stdout(text);
    io.stderr(line);
    return;
  }
  try {
    createPrivateFile(out, text);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new CliError(
      'ERR_KEY_STORE',
      code === 'EEXIST'
        ? '--out names a file that exists: give a new path (the set is never overwritten)'
        : `cannot create --out (${typeof code === 'string' ? code : 'error'})`,
    );
  }
  io.stdout(line);
}

async function fresh(a: TokenKeysArgs, taken: ReadonlySet<string>): Promise<SigningKeyEntry> {
  if (a.kid !== undefined && taken.has(a.kid)) throw usageError('--kid is already in the set');
  for (;;) {
    const key = await generateSigningKey(a.alg, a.kid);
    if (!taken.has(key.kid)) return key;
  }
}

async function tokenKeysNew(args: string[], io: CliIo): Promise<number> {
  const a = parse(args, false);
  const key = await fresh(a, new Set());
  writeSet(io, a.out, { keys: [key] }, { current: key.kid, alg: key.alg, retired: [], dropped: [] });
  return 0;
}

async function readStdin(io: CliIo): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await io.stdin();
  } catch {
    throw new CliError('ERR_KEY_RECORDS', 'cannot read the signing key set from stdin');
  }
  if (bytes.length === 0) throw usageError('rotate reads the current signing key set on stdin (< keys.json)');
  if (bytes.length > MAX_STDIN_BYTES) throw new CliError('ERR_KEY_RECORDS', 'the signing key set on stdin is larger than 1 MiB');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('ERR_KEY_RECORDS', 'the signing key set on stdin is not valid UTF-8');
  }
}

function lifetimeFrom(path: string | undefined, io: CliIo): number {
  if (path === undefined) return CONSERVATIVE_LIFETIME;
  let text: string;
  try {
    text = io.readFile(path);
  } catch {
    throw new CliError('ERR_CONFIG', 'cannot read --config');
  }
  try {
    const config = loadTokenServiceConfig(text);
    return maxTokenLifetimeSeconds({
      userTokenTtlSeconds: config.userTokenTtlSeconds,
      serviceTokenTtlSeconds: config.serviceTokenTtlSeconds,
    });
  } catch (e) {
    if (e instanceof TokenServiceConfigError) throw new CliError('ERR_CONFIG', 'invalid token service configuration', { issues: e.issues });
    throw e;
  }
}

async function tokenKeysRotate(args: string[], io: CliIo): Promise<number> {
  const a = parse(args, true);
  const lifetime = lifetimeFrom(a.config, io);
  const text = await readStdin(io);
  const now = new Date(io.now());
  try {
    // The whole set is checked (and imported) as the service would, before anything is written.
    await parseSigningKeySet(text, now, lifetime);
  } catch (e) {
    if (e instanceof SigningKeySetError)
      throw new CliError('ERR_KEY_RECORDS', 'the signing key set on stdin is invalid', { issues: e.issues });
    throw e;
  }
  const entries = (JSON.parse(text) as { keys: SigningKeyEntry[] }).keys;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const retiredAt = new Date(nowSeconds * 1000).toISOString().replace('.000Z', 'Z');
  const kept: SigningKeyEntry[] = [];
  const dropped: string[] = [];
  for (const e of entries) {
    if (e.retiredAt === undefined) kept.push({ ...e, retiredAt });
    else if (Math.floor(Date.parse(e.retiredAt) / 1000) + lifetime > nowSeconds) kept.push(e);
    else dropped.push(e.kid);
  }
  if (kept.length + 1 > MAX_SIGNING_KEYS)
    throw new CliError('ERR_KEY_RECORDS', `a set holds at most ${MAX_SIGNING_KEYS} keys: too many retired keys are still published`);
  const key = await fresh(a, new Set(entries.map((e) => e.kid)));
  const set = { keys: [key, ...kept] };
  // What is written parses as the service will parse it.
  await parseSigningKeySet(JSON.stringify(set), now, lifetime);
  writeSet(io, a.out, set, { current: key.kid, alg: key.alg, retired: kept.map((e) => e.kid), dropped });
  return 0;
}

const SUBCOMMANDS: Readonly<Record<string, (args: string[], io: CliIo) => Promise<number>>> = {
  new: tokenKeysNew,
  rotate: tokenKeysRotate,
};

/** `edge-auth token-keys new|rotate ...` */
export async function tokenKeys(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw usageError('token-keys needs a subcommand: new or rotate');
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  // Not echoed: a stray word may be a secret pasted by mistake.
  if (!run) throw usageError('unknown token-keys subcommand (new or rotate)');
  return run(rest, io);
}
