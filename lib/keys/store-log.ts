// The default log of the key-store openers (the Worker's open-store.ts, the Lambda's key-stores.ts),
// in a module of its own so that a bundle takes it without any store.

/**
 * Writes a store event as one JSON line: faults and invalid records to console.error, the rest
 * (stale answers, retries, refused lookups) to console.warn. The default of every store opener.
 *
 * @internal
 */
export function logKeyStoreEvent(entry: object): void {
  const line = JSON.stringify(entry);
  const event = (entry as { event?: unknown }).event;
  if (event === 'keystore.fault' || (typeof event === 'string' && event.startsWith('keystore.invalid'))) console.error(line);
  else console.warn(line);
}
