// The Lambda functions' logging: one JSON line per decision, allows only as LOG_ACCEPTED says.
import { readLogAccepted, type LogAccepted } from '../lib/adapters/log-accepted.ts';

/** Writes one log entry as a JSON line (field names and codes only; entries never carry secrets). */
export const logLine = (entry: object): void => console.log(JSON.stringify(entry));

/**
 * LOG_ACCEPTED as the authorizer reads it, once per container: unset, `false` or `0` (the default) logs
 * no allow; `true` or `1` every one; a rate such as `0.01` that share. Any other value is reported once
 * (`config.invalid`, without the value) and read as the default, so a typo in a logging setting cannot
 * take the authorizer down.
 */
export function logAcceptedSetting(text = process.env.LOG_ACCEPTED): LogAccepted {
  return readLogAccepted(text, (entry) => console.error(JSON.stringify(entry)));
}
