import { afterEach, describe, expect, it, vi } from 'vitest';
import { logAcceptedSetting } from './lambda-log.ts';

describe('LOG_ACCEPTED for the Lambda authorizers', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', 0],
    ['TRUE', true],
    ['1', 1],
    [' 0.25 ', 0.25],
  ] as const)('reads %j as %j', (text, expected) => {
    expect(logAcceptedSetting(text)).toBe(expected);
  });

  it('reports a value it does not know once, without the value, and logs no allow', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(logAcceptedSetting('yes-please-s3cr3t')).toBe(false);
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]![0]);
    expect(JSON.parse(line)).toMatchObject({ event: 'config.invalid' });
    expect(line).not.toContain('s3cr3t');
  });
});
