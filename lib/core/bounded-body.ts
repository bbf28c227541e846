// Reading a body from someone else (a request to the edge, a provider's or key service's answer) with
// a ceiling: the stream is cancelled as soon as it grows past it, so a huge or endless body costs at
// most the ceiling in memory. Web Streams only: Node, Lambda and workerd alike.

/**
 * The whole stream, or `undefined` as soon as it grows past `maxBytes` (the stream is cancelled then).
 * A stream that fails rejects with its error.
 */
export async function readBoundedStream(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

/**
 * A response's body, or `undefined` when it declares or turns out to be longer than `maxBytes` (refused
 * on its Content-Length before any byte is read). No body reads as empty.
 */
export async function readBoundedBody(res: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  return res.body ? readBoundedStream(res.body, maxBytes) : new Uint8Array(0);
}

/** `bytes` as UTF-8 text, or `undefined` when they are not UTF-8. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
