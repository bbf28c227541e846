// A local MAuth key service ("mAuth" server): a node:http server on 127.0.0.1 (an ephemeral port)
// serving `GET /mauth/v1/security_tokens/{uuid}.json` (the app's public key, with a Cache-Control
// header) and `POST /mauth/v1/authentication_tickets.json` (judging a ticket by rebuilding the signed
// request and verifying it against the apps it knows). Every request that reaches it must itself be
// MAuth-signed by the client app it was started with: it is checked with our own verifier over that
// app's public key, and refused with 401 in the original's error shape when it fails, so every test
// that goes through the client also proves the client's signatures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './net.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import type { KeyRecord } from '../../lib/keys/types.ts';
import { createMAuthVerifier } from '../../lib/schemes/mauth/verifier.ts';

/** How the service misbehaves for the next requests: for `times` requests (default: until changed). */
export type MAuthServiceFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'status'; readonly status: number; readonly times?: number }
  | { readonly kind: 'delay'; readonly ms: number; readonly times?: number }
  | { readonly kind: 'garbage'; readonly times?: number }
  /** `status` with a 1 MiB body (an error page larger than any answer the client reads). */
  | { readonly kind: 'large'; readonly status: number; readonly times?: number }
  /** A 200 whose body has no declared length and never ends (until the client goes away or 256 MiB). */
  | { readonly kind: 'endless'; readonly times?: number; readonly written?: { bytes: number } }
  | { readonly kind: 'bad-key'; readonly times?: number }
  | { readonly kind: 'down'; readonly times?: number };

/** One request that reached the service. */
export interface MAuthServiceCall {
  readonly method: string;
  readonly path: string;
  /** Whether its own MAuth signature verified as the client app's. */
  readonly signatureOk: boolean;
  /** The MAuth versions whose headers it carried (`v1`, `v2`). */
  readonly signedWith: readonly string[];
  /** The app uuid of a security-token lookup. */
  readonly uuid?: string;
  /** The parsed `authentication_ticket` of a ticket check. */
  readonly ticket?: Record<string, unknown>;
}

export interface MAuthService {
  readonly url: string;
  readonly calls: MAuthServiceCall[];
  /** Security-token lookups (of one uuid). */
  tokenCalls(uuid?: string): number;
  /** Ticket checks. */
  ticketCalls(): number;
  /** Adds (or replaces) an app the service knows. */
  addApp(uuid: string, publicKeyPem: string, appName?: string): void;
  removeApp(uuid: string): void;
  /** The Cache-Control of token answers; undefined sends none (default `max-age=60`). */
  cacheControl: string | undefined;
  fault: MAuthServiceFault;
  /** The status of an inauthentic ticket: 412 (today's service) or 404 (older ones, for unknown apps). */
  inauthenticStatus: 412 | 404;
  close(): Promise<void>;
}

function errorBody(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: { mauth: [message] } }));
}

function toSignedRequest(req: IncomingMessage, body: Uint8Array): SignedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers, body };
}

/** The request a ticket describes, as the service rebuilds it to verify the client's signature. */
function ticketRequest(t: Record<string, unknown>): SignedRequest | undefined {
  const str = (k: string) => (typeof t[k] === 'string' ? (t[k] as string) : undefined);
  const [verb, uuid, sig, url, time, b64] = ['verb', 'app_uuid', 'client_signature', 'request_url', 'request_time', 'b64encoded_body'].map(
    str,
  );
  if ([verb, uuid, sig, url, time, b64].some((x) => x === undefined)) return undefined;
  const body = new Uint8Array(Buffer.from(b64!, 'base64'));
  const token = str('token');
  const headers: Array<[string, string]> =
    token === 'MWSV2'
      ? [
          ['MCC-Authentication', `MWSV2 ${uuid!}:${sig!};`],
          ['MCC-Time', time!],
        ]
      : [
          ['X-MWS-Authentication', `MWS ${uuid!}:${sig!}`],
          ['X-MWS-Time', time!],
        ];
  return { method: verb!, path: url!, query: str('query_string') ?? '', headers, body };
}

/**
 * Starts the service on 127.0.0.1 at an ephemeral port, accepting requests signed by `client` (the
 * app uuid and public key PEM of the app our key-service client signs as).
 */
export async function startMAuthService(client: { readonly appUuid: string; readonly publicKeyPem: string }): Promise<MAuthService> {
  const clientVerifier = createMAuthVerifier({
    keys: createMemoryKeyStore([
      {
        id: client.appUuid,
        scheme: 'mauth',
        secrets: [],
        publicKeys: [{ format: 'spki', pem: client.publicKeyPem }],
        principal: 'client',
        permissions: [],
      },
    ]),
  });
  const apps = new Map<string, { pem: string; name: string }>();
  const appRecords = {
    get(id: string): Promise<KeyRecord | undefined> {
      const app = apps.get(id);
      return Promise.resolve(
        app
          ? { id, scheme: 'mauth', secrets: [], publicKeys: [{ format: 'spki', pem: app.pem }], principal: app.name, permissions: [] }
          : undefined,
      );
    },
  };
  const ticketVerifier = createMAuthVerifier({ keys: appRecords });
  const calls: MAuthServiceCall[] = [];
  const service = {
    cacheControl: 'max-age=60' as string | undefined,
    fault: { kind: 'none' } as MAuthServiceFault,
    inauthenticStatus: 412 as 412 | 404,
  };

  /** The fault for this request, counting down a limited one. */
  function currentFault(): MAuthServiceFault {
    const f = service.fault;
    if (f.kind === 'none') return f;
    if (f.times !== undefined) {
      if (f.times <= 0) return { kind: 'none' };
      service.fault = { ...f, times: f.times - 1 };
    }
    return f;
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new Uint8Array(Buffer.concat(chunks));
    const signed = toSignedRequest(req, body);
    const verified = await clientVerifier.verify(signed);
    const tokenMatch = /^\/mauth\/v1\/security_tokens\/([^/]+)\.json$/.exec(signed.path);
    let ticket: Record<string, unknown> | undefined;
    if (signed.path === '/mauth/v1/authentication_tickets.json') {
      try {
        const doc = JSON.parse(Buffer.from(body).toString('utf8')) as { authentication_ticket?: Record<string, unknown> };
        ticket = doc.authentication_ticket;
      } catch {
        /* answered below */
      }
    }
    calls.push({
      method: signed.method,
      path: signed.path,
      signatureOk: verified.ok,
      signedWith: [
        ...(req.headers['x-mws-authentication'] !== undefined ? ['v1'] : []),
        ...(req.headers['mcc-authentication'] !== undefined ? ['v2'] : []),
      ],
      ...(tokenMatch ? { uuid: tokenMatch[1]! } : {}),
      ...(ticket ? { ticket } : {}),
    });
    if (!verified.ok) return errorBody(res, 401, 'Authentication Failed');

    const fault = currentFault();
    if (fault.kind === 'down') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault.kind === 'status') return errorBody(res, fault.status, 'injected');
    if (fault.kind === 'large') {
      res.writeHead(fault.status, { 'content-type': 'text/html' });
      return void res.end(Buffer.alloc(1024 * 1024, 0x20));
    }
    if (fault.kind === 'endless') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = (): void => {
        while (!res.destroyed && (fault.written?.bytes ?? 0) < 256 * 1024 * 1024) {
          if (fault.written) fault.written.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      return write();
    }
    if (fault.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"security_token": {"public_key_str": ');
    }

    if (req.method === 'GET' && tokenMatch) {
      const app = apps.get(tokenMatch[1]!);
      if (!app) return errorBody(res, 404, 'not found');
      const pem = fault.kind === 'bad-key' ? 'not a key' : app.pem;
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(service.cacheControl ? { 'cache-control': service.cacheControl } : {}),
      });
      return void res.end(
        JSON.stringify({
          security_token: { app_name: app.name, app_uuid: tokenMatch[1], public_key_str: pem, created_at: '2020-01-01T00:00:00Z' },
        }),
      );
    }
    if (req.method === 'POST' && signed.path === '/mauth/v1/authentication_tickets.json') {
      const request = ticket && ticketRequest(ticket);
      if (!request) return errorBody(res, 400, 'bad ticket');
      const result = await ticketVerifier.verify(request);
      if (result.ok) return void res.writeHead(204).end();
      return errorBody(res, service.inauthenticStatus, 'inauthentic');
    }
    return errorBody(res, 404, 'no such route');
  };

  const server = await listenOnLoopback(handle, (res) => errorBody(res, 500, 'stand-in failed'));

  return Object.assign(service, {
    url: server.url,
    calls,
    tokenCalls(uuid?: string) {
      return calls.filter((c) => c.uuid !== undefined && (uuid === undefined || c.uuid === uuid)).length;
    },
    ticketCalls() {
      return calls.filter((c) => c.ticket !== undefined || c.path.endsWith('/authentication_tickets.json')).length;
    },
    addApp(uuid: string, pem: string, name = 'app') {
      apps.set(uuid, { pem, name });
    },
    removeApp(uuid: string) {
      apps.delete(uuid);
    },
    close: () => server.close(),
  });
}
