// The CLI's error contract: every failure is one line of JSON on stderr and exit status 1 or 2.
import { ConfigError } from '../config/index.ts';
import { AuthFailure, type ErrorCode } from '../core/errors.ts';
import { RequestJsonError } from '../core/request-json.ts';

/**
 * Exit 2: the invocation, the configuration or request.json is wrong (`ERR_USAGE`, `ERR_CONFIG`,
 * `ERR_REQUEST_JSON`), or something unexpected failed (`ERR_INTERNAL`). Exit 1: the request was
 * rejected or could not be signed, verified or explained (the verifier's codes, `ERR_AUTH_MALFORMED`, ...).
 * `keys`: `ERR_KEY_RECORDS` (invalid key records: exit 2 from `keys put`, nothing written; exit 1 from
 * `keys check`) and `ERR_KEY_STORE` (the store could not be written or read, exit 2).
 */
export type CliErrorCode =
  'ERR_USAGE' | 'ERR_CONFIG' | 'ERR_REQUEST_JSON' | 'ERR_INTERNAL' | 'ERR_KEY_RECORDS' | 'ERR_KEY_STORE' | ErrorCode;

/** A failure as the CLI reports it. Messages and issues name fields and kinds, never secrets or document values. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: 1 | 2;
  readonly status: number | undefined;
  readonly issues: readonly string[] | undefined;
  constructor(code: CliErrorCode, message: string, options: { exitCode?: 1 | 2; status?: number; issues?: readonly string[] } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? 2;
    this.status = options.status;
    this.issues = options.issues;
  }

  /** The one line written to stderr: `{"ok":false,"code",...,"message"[,"issues"]}` and a newline. */
  toLine(): string {
    const out: Record<string, unknown> = { ok: false, code: this.code };
    if (this.status !== undefined) out['status'] = this.status;
    out['message'] = this.message;
    if (this.issues !== undefined) out['issues'] = this.issues;
    return JSON.stringify(out) + '\n';
  }
}

/**
 * A wrong invocation (exit 2), its message pointing at `--help`; for arguments only, not for configuration
 * or request.json problems.
 */
export function usageError(message: string): CliError {
  return new CliError('ERR_USAGE', `${message} (edge-auth --help for usage)`);
}

/**
 * Maps anything thrown to the contract. Unexpected errors keep only their class name: their
 * messages may quote input, and a stack trace is never printed.
 */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError) return new CliError('ERR_CONFIG', 'invalid configuration', { issues: e.issues });
  if (e instanceof RequestJsonError) return new CliError('ERR_REQUEST_JSON', 'invalid request JSON', { issues: e.issues });
  if (e instanceof AuthFailure) return new CliError(e.code, e.message, { exitCode: 1, status: e.status });
  const code = (e as { code?: unknown } | null)?.code;
  // A stray positional argument may be a secret pasted by mistake: never echo it.
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return usageError('unexpected positional argument: this command takes options only');
  // Node's message quotes the option as given, which may be a secret that starts with a dash.
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return usageError('unknown option for this command');
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return usageError((e as Error).message);
  const name = (e as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' && /^\w{1,40}$/.test(name) ? name : 'error';
  return new CliError('ERR_INTERNAL', `unexpected ${label} (a bug in edge-auth: please report how to reproduce it)`);
}
