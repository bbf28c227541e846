/**
 * How often an adapter logs a request it let through. Rejections are always logged; an accepted
 * request is logged only on request, because a log line per request costs more than verifying it
 * (issue 8: a Worker logging every accepted request served 0.31x the requests of a pass-through
 * under wrangler dev, 0.79x without the line).
 */

/**
 * Logging of accepted requests: `false` (the default) none, `true` every one, or a sampling rate from
 * 0 to 1 (`0.01` logs about one in a hundred, at random).
 */
export type LogAccepted = boolean | number;

/**
 * A {@link LogAccepted} setting as a rate from 0 (never) to 1 (always).
 *
 * @throws TypeError for anything but a boolean or a number from 0 to 1 (a misconfiguration).
 */
export function acceptedLogRate(setting: unknown): number {
  if (setting === undefined || setting === false) return 0;
  if (setting === true) return 1;
  if (typeof setting === 'number' && setting >= 0 && setting <= 1) return setting;
  throw new TypeError('logAccepted must be a boolean or a sampling rate from 0 to 1');
}

/** Whether this accepted request is logged, at `rate` (from {@link acceptedLogRate}); `random` is uniform in [0, 1). */
export function sampled(rate: number, random: () => number): boolean {
  return rate === 1 || (rate > 0 && random() < rate);
}

/**
 * Reads a LOG_ACCEPTED environment variable: unset, empty, `false` or `0` is `false`; `true` or `1` is
 * `true`; a decimal number from 0 to 1 is that sampling rate (case and surrounding blanks do not
 * matter). Anything else is `undefined`: not a setting an adapter knows, which the caller reports.
 *
 * @example
 * logAcceptedFrom('0.05'); // 0.05
 * logAcceptedFrom('TRUE'); // true
 * logAcceptedFrom('yes'); // undefined
 */
export function logAcceptedFrom(text: string | undefined): LogAccepted | undefined {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (!/^(?:[01](?:\.\d*)?|\.\d+)$/.test(value)) return undefined;
  const rate = Number(value);
  return rate <= 1 ? rate : undefined;
}

/**
 * LOG_ACCEPTED as an adapter takes it: {@link logAcceptedFrom}, except that a value it does not know is
 * reported once through `report` (as a `config.invalid` entry naming the variable, never its value: a
 * secret pasted into the wrong variable could land here) and read as `false`, so a typo in a logging
 * setting cannot take the edge down.
 *
 * @example
 * const logAccepted = readLogAccepted(process.env.LOG_ACCEPTED, (e) => console.error(JSON.stringify(e)));
 */
export function readLogAccepted(
  text: string | undefined,
  report: (entry: { event: 'config.invalid'; issues: string[] }) => void,
): LogAccepted {
  const read = logAcceptedFrom(text);
  if (read !== undefined) return read;
  report({
    event: 'config.invalid',
    issues: ['LOG_ACCEPTED: expected true, false or a sampling rate from 0 to 1; accepted requests are not logged'],
  });
  return false;
}
