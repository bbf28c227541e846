// Reading a fetch Request into the request model: the raw path and query, every header, the body
// under its cap, and a bodiless request read at once (no promise) by the middleware's reader.
import { describe, expect, it } from 'vitest';
import { splitUrl } from '../core/request.ts';
import { readRequest, toSignedRequest, type ReadRequest } from './fetch-request.ts';

// fetch's URL parser keeps escapes as written (it would resolve dot segments, %2e too).
const URL_TEXT = 'https://api.example.com/items/a%2Fb/%7e;c?x=1&y=%20z';

/** A stream of these chunks, and whether the reader cancelled it. */
function streamOf(chunks: readonly Uint8Array[], failAfter?: number) {
  const state = { cancelled: false };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && i === failAfter) controller.error(new Error('connection reset'));
      else if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request(URL_TEXT, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('toSignedRequest', () => {
  it('keeps the raw path and query, every header, and the method (GET, upper-case by fetch)', async () => {
    const read = await toSignedRequest(new Request(URL_TEXT, { headers: { 'X-Amz-Date': '20260101T000000Z', Accept: 'a, b' } }), 100);
    expect(read).toEqual({
      ok: true,
      request: {
        method: 'GET',
        path: '/items/a%2Fb/%7e;c',
        query: 'x=1&y=%20z',
        headers: [
          ['accept', 'a, b'],
          ['x-amz-date', '20260101T000000Z'],
        ],
        body: new Uint8Array(),
      },
    });
  });

  it('keeps the method as fetch hands it over: the six standard methods upper-case, any other as sent (signed as sent)', async () => {
    // fetch upper-cases DELETE, GET, HEAD, OPTIONS, POST and PUT in any case, and leaves other methods
    // as written; the request is verified with the method an origin gets, so "patch" is not "PATCH".
    for (const [sent, read] of [
      ['get', 'GET'],
      ['Delete', 'DELETE'],
      ['patch', 'patch'],
      ['Patch', 'Patch'],
      ['PATCH', 'PATCH'],
      ['PROPFIND', 'PROPFIND'],
    ] as const) {
      const result = await toSignedRequest(new Request(URL_TEXT, { method: sent }), 100);
      expect(result.ok && result.request.method, sent).toBe(read);
    }
  });

  it('reads a body in chunks up to the cap, and refuses one past it (cancelling the stream)', async () => {
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
    const ok = await toSignedRequest(post(streamOf(chunks).stream), 5);
    expect(ok.ok && [...ok.request.body!]).toEqual([1, 2, 3, 4, 5]);
    const { stream, state } = streamOf(chunks);
    expect(await toSignedRequest(post(stream), 4)).toMatchObject({ ok: false, error: { code: 'ERR_BODY_TOO_LARGE' } });
    expect(state.cancelled).toBe(true);
  });

  it('refuses a declared Content-Length past the cap or not a number, before reading', async () => {
    for (const length of ['6', '-1', '1e3', '0x5']) {
      const { stream, state } = streamOf([new Uint8Array(5)]);
      const request = post(stream, { 'content-length': length });
      expect(await toSignedRequest(request, 5), length).toMatchObject({ ok: false, error: { code: 'ERR_BODY_TOO_LARGE' } });
      expect(state.cancelled).toBe(false);
    }
  });

  it('rejects when the body stream fails mid-read (the middleware answers 400)', async () => {
    await expect(toSignedRequest(post(streamOf([new Uint8Array(3)], 1).stream), 100)).rejects.toThrow();
  });
});

describe('readRequest', () => {
  it('answers a request without a body at once, exactly as toSignedRequest does', async () => {
    const request = new Request(URL_TEXT, { method: 'HEAD', headers: { authorization: 'x' } });
    const { path, query } = splitUrl(request.url);
    const read = readRequest(request, path, query, 100);
    expect(read).not.toBeInstanceOf(Promise);
    expect(read).toEqual(await toSignedRequest(request.clone(), 100));
  });

  it('answers a request with a body through a promise, with the path and query it was given', async () => {
    const read = readRequest(post(new Uint8Array([7, 8])), '/p', 'q=1', 100);
    expect(read).toBeInstanceOf(Promise);
    const done = (await read) as ReadRequest;
    expect(done.ok && { path: done.request.path, query: done.request.query, body: [...done.request.body!] }).toEqual({
      path: '/p',
      query: 'q=1',
      body: [7, 8],
    });
  });
});
