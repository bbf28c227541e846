// Reads a Lambda function's configuration file: AUTH_CONFIG_FILE, a path in the deployment package
// (relative to LAMBDA_TASK_ROOT, else to the cwd) or an absolute one.
//
// node:fs and node:path come through process.getBuiltinModule rather than an ESM import: importing a
// builtin builds its module namespace from every export, and node:fs's include lazy getters
// (ReadStream, promises) that load fs streams and fs/promises on the spot, code a function never
// calls (a few tenths of a millisecond of a cold start; 1.8 ms before node:crypto loads the streams).
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const { isAbsolute, join } = process.getBuiltinModule('node:path');

/**
 * The bytes of the configuration file `file` names.
 *
 * @throws Error from node:fs when there is no such file or it cannot be read.
 */
export function readConfigFile(file: string): Buffer {
  if (isAbsolute(file)) return readFileSync(file);
  const inPackage = join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  return readFileSync(existsSync(inPackage) ? inPackage : join(process.cwd(), file));
}
