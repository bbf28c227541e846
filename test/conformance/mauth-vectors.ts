// Medidata's MAuth protocol test suite (vectors/mauth): 5 MWS (v1) and 19 MWSV2 (v2) cases, each a
// request (.req), and, where the case is a signing case, the string to sign (.sts), the signature
// (.sig) and the headers (.authz); `authentication-only-after-decoding` has no .sts/.sig (verify only).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from './load-vectors.ts';
import type { MAuthSuiteData } from './mauth-suite.ts';

export const MAUTH_DIR = join(VECTORS_DIR, 'mauth');

export interface MAuthVectorCase {
  readonly version: 1 | 2;
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: Uint8Array;
  readonly sts?: Uint8Array;
  readonly sig?: string;
  readonly authz: Readonly<Record<string, string | number>>;
}

/** The suite's signing configuration: app uuid, request time, and the key pair's PEM text. */
export function mauthSigningConfig(): { appUuid: string; time: number; privateKey: string; publicKey: string } {
  const c = JSON.parse(readFileSync(join(MAUTH_DIR, 'signing-config.json'), 'utf8')) as { app_uuid: string; request_time: number };
  return {
    appUuid: c.app_uuid,
    time: c.request_time,
    privateKey: readFileSync(join(MAUTH_DIR, 'signing-params', 'rsa-key'), 'utf8'),
    publicKey: readFileSync(join(MAUTH_DIR, 'signing-params', 'rsa-key-pub'), 'utf8'),
  };
}

export function loadMAuthVectors(): MAuthVectorCase[] {
  const out: MAuthVectorCase[] = [];
  for (const [dirName, version] of [
    ['MWS', 1],
    ['MWSV2', 2],
  ] as const) {
    const dir = join(MAUTH_DIR, 'protocols', dirName);
    for (const name of readdirSync(dir).sort()) {
      const caseDir = join(dir, name);
      if (!statSync(caseDir).isDirectory()) continue;
      const file = (ext: string) => join(caseDir, `${name}.${ext}`);
      const exists = (ext: string) => readdirSync(caseDir).includes(`${name}.${ext}`);
      const req = JSON.parse(readFileSync(file('req'), 'utf8')) as {
        verb: string;
        url: string;
        body?: string | null;
        body_filepath?: string;
      };
      const body = req.body_filepath
        ? new Uint8Array(readFileSync(join(caseDir, req.body_filepath)))
        : new TextEncoder().encode(req.body ?? '');
      const q = req.url.indexOf('?');
      out.push({
        version,
        name,
        method: req.verb,
        path: q === -1 ? req.url : req.url.slice(0, q),
        query: q === -1 ? '' : req.url.slice(q + 1),
        body,
        ...(exists('sts') ? { sts: new Uint8Array(readFileSync(file('sts'))) } : {}),
        ...(exists('sig') ? { sig: readFileSync(file('sig'), 'utf8').trim() } : {}),
        authz: JSON.parse(readFileSync(file('authz'), 'utf8')) as Record<string, string | number>,
      });
    }
  }
  return out;
}

/** The suite and its signing configuration as JSON can carry them (bodies in base64), for mauth-suite.ts. */
export function mauthSuiteData(): MAuthSuiteData {
  const config = mauthSigningConfig();
  return {
    ...config,
    cases: loadMAuthVectors().map((v) => ({
      version: v.version,
      name: v.name,
      method: v.method,
      path: v.path,
      query: v.query,
      bodyBase64: Buffer.from(v.body).toString('base64'),
      ...(v.sig !== undefined ? { sig: v.sig } : {}),
      authz: v.authz,
    })),
  };
}
