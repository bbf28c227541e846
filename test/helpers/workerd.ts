import { afterAll, beforeAll } from 'vitest';
import { Miniflare } from 'miniflare';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import type { SignedRequest } from '../../lib/core/request.ts';
import { bundleWorkerEntry } from '../../infra/token-service-local.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Bundles a worker entry the way wrangler does for workerd (`#crypto` -> Web Crypto). */
export function bundleWorker(entry: string): Promise<string> {
  return bundleWorkerEntry(entry);
}

/** Bindings beyond plain text ones: KV namespaces (in memory; fill them through `mf.getKVNamespace(name)`). */
export interface ExtraBindings {
  readonly kvNamespaces?: readonly string[];
  /** A directory that keeps the KV namespaces' data, so a later instance started with it sees what this one wrote (a restart). */
  readonly kvPersist?: string;
}

/** Starts workerd (through Miniflare) on 127.0.0.1 with a bundled worker. Call `dispose()` when done. */
export async function startWorker(script: string, bindings: Record<string, string> = {}, extra: ExtraBindings = {}): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings,
    ...(extra.kvNamespaces ? { kvNamespaces: [...extra.kvNamespaces] } : {}),
    ...(extra.kvPersist ? { kvPersist: extra.kvPersist } : {}),
    host: '127.0.0.1',
  });
  await mf.ready;
  return mf;
}

/** The Worker a describe block runs against: its bundle, the running Miniflare and its host. */
export interface WorkerUnderTest {
  readonly script: string;
  readonly mf: Miniflare;
  readonly host: string;
}

/**
 * Bundles functions/worker.ts and starts it with `bindings` (or what the function gives, read then) before
 * the enclosing describe block's tests (beforeAll), and disposes of it after them (afterAll). Read its
 * fields inside tests only.
 */
export function workerUnderTest(bindings: Record<string, string> | (() => Record<string, string>)): WorkerUnderTest {
  const state: { script?: string; mf?: Miniflare; host?: string } = {};
  beforeAll(async () => {
    state.script = await bundleWorker('functions/worker.ts');
    state.mf = await startWorker(state.script, typeof bindings === 'function' ? bindings() : bindings);
    state.host = (await state.mf.ready).host;
  }, 60_000);
  afterAll(async () => {
    await state.mf?.dispose();
  });
  return {
    get script() {
      return state.script!;
    },
    get mf() {
      return state.mf!;
    },
    get host() {
      return state.host!;
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Sends a request over real HTTP on loopback with the path, query and headers exactly as given
 * (no URL normalisation on our side, unlike fetch), as a client on the wire would.
 */
export function sendRaw(base: URL, req: SignedRequest): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const r = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.path + (req.query ? '?' + req.query : ''),
        agent: false,
        headers: req.headers.map(([n, v]) => [n, v]).flat(),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    if (req.body && req.body.length > 0) r.write(req.body);
    r.end();
  });
}
