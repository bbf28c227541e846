import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, parseJsonSafe, type Config } from '../config/index.ts';
import { createAuthenticator } from '../authenticator.ts';
import { fromRequestJson, RequestJsonError, toRequestJson } from '../core/request-json.ts';
import { splitUrl } from '../core/request.ts';
import { createSigV4Signer, createSigV4Verifier, type SigV4Algorithm } from '../schemes/sigv4/index.ts';
import { createMemoryKeyStore } from '../keys/memory.ts';
import { keyRecords } from '../config/load.ts';

const MAX_STDIN_BYTES = 10 * 1024 * 1024;

const USAGE = `usage:
  edge-auth sign    --config FILE --key ID [--scheme sigv4] [--algorithm ALG] [--presign [--expires SECONDS]] [--now EPOCH_SECONDS] < request.json
  edge-auth verify  --config FILE [--now EPOCH_SECONDS] < request.json
  edge-auth explain --config FILE [--json] < request.json

request.json: {"method":"GET","url":"https://host/path?query","headers":[["Name","value"]] or {"name":"value"},"body":"text"} ("bodyBase64" for binary)
exit status: 0 accepted (or done), 1 rejected, 2 usage or configuration error`;

/** A usage or configuration problem: exit 2. */
class UsageError extends Error {}

export interface CliIo {
  readonly stdin: () => Promise<Uint8Array>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => string;
  readonly now: () => number;
}

function nowFrom(value: string | undefined, io: CliIo): () => number {
  if (value === undefined) return io.now;
  if (!/^\d{1,12}$/.test(value)) throw new UsageError('--now must be epoch seconds');
  const ms = Number(value) * 1000;
  return () => ms;
}

function readConfig(path: string | undefined, io: CliIo): Config {
  if (!path) throw new UsageError('--config FILE is required');
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return loadConfig(text);
}

async function readRequest(io: CliIo) {
  const bytes = await io.stdin();
  if (bytes.length > MAX_STDIN_BYTES) throw new UsageError('request JSON on stdin is larger than 10 MiB');
  let doc: unknown;
  try {
    doc = parseJsonSafe(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UsageError(`request JSON on stdin is not valid JSON: ${(e as Error).message}`);
  }
  const url = (doc as { url?: unknown } | null)?.url;
  return { req: fromRequestJson(doc), origin: typeof url === 'string' ? splitUrl(url).origin : '' };
}

function sigv4Options(config: Config) {
  const s = config.schemes.sigv4;
  if (!s) throw new UsageError('the configuration has no sigv4 scheme');
  return {
    region: s.region,
    service: s.service,
    profile: s.profile,
    ...(s.uriEscapePath !== undefined ? { uriEscapePath: s.uriEscapePath } : {}),
    ...(s.normalizePath !== undefined ? { normalizePath: s.normalizePath } : {}),
  };
}

async function sign(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      key: { type: 'string' },
      scheme: { type: 'string' },
      algorithm: { type: 'string' },
      presign: { type: 'boolean' },
      expires: { type: 'string' },
      now: { type: 'string' },
    },
    strict: true,
  });
  const config = readConfig(values.config, io);
  if (!values.key) throw new UsageError('--key ID is required');
  const key = config.keys.find((k) => k.id === values.key);
  if (!key) throw new UsageError('no key with that id in the configuration');
  const scheme = values.scheme ?? key.scheme ?? 'sigv4';
  if (scheme !== 'sigv4') throw new UsageError(`unknown scheme "${scheme}" (available: sigv4)`);
  const s = config.schemes.sigv4!;
  const algorithm = (values.algorithm ?? s.algorithms[0]) as SigV4Algorithm;
  if (!s.algorithms.includes(algorithm)) throw new UsageError(`--algorithm must be one of ${s.algorithms.join(', ')}`);
  if (values.expires !== undefined && !values.presign) throw new UsageError('--expires needs --presign');
  const signer = createSigV4Signer({
    ...sigv4Options(config),
    algorithm,
    keyId: key.id,
    secret: key.secret ?? key.secrets![0]!,
    ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
    clock: nowFrom(values.now, io),
  });
  const { req, origin } = await readRequest(io);
  let signed;
  if (values.presign) {
    const expiresIn = values.expires === undefined ? 900 : Number(values.expires);
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604800) throw new UsageError('--expires must be 1..604800 seconds');
    signed = await signer.presign(req, { expiresIn });
  } else {
    signed = await signer.sign(req);
  }
  io.stdout(JSON.stringify(toRequestJson(signed, origin), null, 2) + '\n');
  return 0;
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, now: { type: 'string' } }, strict: true });
  const config = readConfig(values.config, io);
  const auth = createAuthenticator(config, { clock: nowFrom(values.now, io) });
  const { req } = await readRequest(io);
  const result = await auth.authenticate(req);
  if (result.ok) {
    io.stdout(JSON.stringify({ ok: true, scheme: result.scheme, keyId: result.keyId, principal: result.principal }) + '\n');
    return 0;
  }
  const { code, status, message } = result.error;
  io.stdout(JSON.stringify({ ok: false, code, status, message }) + '\n');
  return 1;
}

async function explain(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const config = readConfig(values.config, io);
  const s = config.schemes.sigv4;
  if (!s) throw new UsageError('the configuration has no sigv4 scheme');
  const verifier = createSigV4Verifier({
    ...sigv4Options(config),
    keys: createMemoryKeyStore(keyRecords(config)),
    algorithms: s.algorithms,
  });
  const { req } = await readRequest(io);
  let e;
  try {
    e = await verifier.explain(req);
  } catch (err) {
    const { code, status, message } = err as { code?: string; status?: number; message: string };
    io.stdout(JSON.stringify({ ok: false, code, status, message }) + '\n');
    return 1;
  }
  if (values.json) {
    io.stdout(JSON.stringify(e, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `algorithm:      ${e.algorithm} (${e.mode === 'query' ? 'presigned URL' : 'Authorization header'})`,
    `scope:          ${e.scope}`,
    `signed headers: ${e.signedHeaders.join(';')}`,
    `payload hash:   ${e.payloadHash}`,
  ];
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
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

/** Runs the CLI; resolves the exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.stderr : io.stdout)(USAGE + '\n');
      return command === undefined ? 2 : 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    if (command === 'sign') return await sign(rest, io);
    if (command === 'verify') return await verify(rest, io);
    if (command === 'explain') return await explain(rest, io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RequestJsonError) {
      io.stderr(e.message + '\n');
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`edge-auth: ${(e as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof TypeError) {
      io.stderr(`edge-auth: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
