import { describe, expect, it } from 'vitest';
import { readBoundedBody, readBoundedStream, utf8OrUndefined } from './bounded-body.ts';

function chunked(parts: Uint8Array[], onCancel: () => void = () => undefined): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < parts.length) c.enqueue(parts[i++]!);
      else c.close();
    },
    cancel: onCancel,
  });
}

describe('bounded bodies', () => {
  it('reads a stream up to the ceiling, and cancels it one byte past', async () => {
    const parts = [new Uint8Array(3).fill(1), new Uint8Array(2).fill(2)];
    expect(await readBoundedStream(chunked(parts), 5)).toEqual(new Uint8Array([1, 1, 1, 2, 2]));
    let cancelled = false;
    expect(
      await readBoundedStream(
        chunked(parts, () => (cancelled = true)),
        4,
      ),
    ).toBeUndefined();
    expect(cancelled).toBe(true);
  });

  it('refuses a response by its Content-Length before reading, reads no body as empty', async () => {
    let pulled = false;
    const stream = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 });
    const big = new Response(stream, { headers: { 'content-length': '10' } });
    expect(await readBoundedBody(big, 9)).toBeUndefined();
    expect(pulled).toBe(false);
    expect(await readBoundedBody(new Response(null), 9)).toEqual(new Uint8Array(0));
    expect(await readBoundedBody(new Response('héllo'), 9)).toEqual(new TextEncoder().encode('héllo'));
  });

  it('rejects with the stream error', async () => {
    const failing = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('reset')) });
    await expect(readBoundedStream(failing, 10)).rejects.toThrow('reset');
  });

  it('decodes UTF-8 only', () => {
    expect(utf8OrUndefined(new TextEncoder().encode('ok ✓'))).toBe('ok ✓');
    expect(utf8OrUndefined(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
  });
});
