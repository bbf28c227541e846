// The end of a child process's output, kept in bounded memory however much it writes and however
// long it runs: infra/dev.mjs keeps wrangler's output this way to show why it failed.

/**
 * A bounded tail of text. `push` appends a chunk; once more than twice `limit` characters are
 * held, only the last `limit` are kept (trimming at most once per `limit` characters written keeps
 * the cost linear). `text()` is the last `limit` characters pushed; `held()` how many are in memory
 * now: never more than 2 × `limit` plus one chunk.
 */
export function createLogTail(limit) {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('createLogTail: limit must be a positive integer');
  let log = '';
  return {
    push(chunk) {
      log += chunk;
      if (log.length > 2 * limit) log = log.slice(-limit);
    },
    text: () => log.slice(-limit),
    held: () => log.length,
  };
}
