// infra/dev.mjs keeps wrangler's output in a createLogTail(64 KiB): however much wrangler and the
// Worker write (every rejection is logged, accepted requests too with LOG_ACCEPTED), the memory it
// holds stays bounded, and what it shows on failure is the end of the output.
import { describe, expect, it } from 'vitest';
import { createLogTail } from '../../infra/log-tail.mjs';

describe('createLogTail (the captured wrangler output in infra/dev.mjs)', () => {
  it('holds at most twice its limit plus one chunk, and shows the last `limit` characters, over 16 MiB', () => {
    const limit = 64 * 1024;
    const tail = createLogTail(limit);
    let all = '';
    let written = 0;
    let maxHeld = 0;
    for (let i = 0; written < 16 * 1024 * 1024; i++) {
      // Chunks of varied sizes up to a pipe read (64 KiB), as numbered log lines.
      const line = `{"event":"auth.accepted","method":"GET","path":"/items/${i}","scheme":"sigv4"}\n`;
      const chunk = line.repeat(1 + ((i * 37) % 800));
      tail.push(chunk);
      all += chunk;
      written += chunk.length;
      expect(tail.held()).toBeLessThanOrEqual(2 * limit + chunk.length);
      maxHeld = Math.max(maxHeld, tail.held());
      if (i % 97 === 0) expect(tail.text()).toBe(all.slice(-limit));
    }
    expect(tail.text()).toBe(all.slice(-limit));
    expect(tail.text()).toHaveLength(limit);
    expect(maxHeld).toBeLessThan(written / 50);
  });

  it('shows everything while less than its limit has been written', () => {
    const tail = createLogTail(100);
    tail.push('wrangler ');
    tail.push('started\n');
    expect(tail.text()).toBe('wrangler started\n');
    expect(tail.held()).toBe(17);
  });

  it('keeps the end of one chunk larger than its limit', () => {
    const tail = createLogTail(10);
    tail.push('0123456789abcdefghijklmnopqrstuvwxyz');
    expect(tail.text()).toBe('qrstuvwxyz');
    expect(tail.held()).toBeLessThanOrEqual(20);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s', (limit) => {
    expect(() => createLogTail(limit)).toThrow(TypeError);
  });
});
