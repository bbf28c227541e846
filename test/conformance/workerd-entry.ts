/**
 * A worker that runs the conformance suites inside workerd with the platform's own crypto (Web
 * Crypto): POST the SigV4 vector data as JSON to `/`, or the MAuth suite to `/mauth`, or the USTUDIO-HMAC-V2 vectors to `/ustudio`, or the JWT suite to `/jwt`, or the API-key data to `/api-key`, and get back
 * one result per case.
 */
import { jwtCases, type JwtSuiteData } from './jwt-suite.ts';
import { mauthCases, type MAuthSuiteData } from './mauth-suite.ts';
import { apiKeyCases, type ApiKeySuiteData } from './api-key-suite.ts';
import { sigv4Cases, type SuiteCase } from './sigv4-suite.ts';
import { ustudioCases, type UStudioVectors } from './ustudio-suite.ts';
import type { VectorData } from './vector-data.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const cases: SuiteCase[] =
      path === '/mauth'
        ? mauthCases((await request.json()) as MAuthSuiteData)
        : path === '/ustudio'
          ? ustudioCases((await request.json()) as UStudioVectors)
          : path === '/jwt'
            ? jwtCases((await request.json()) as JwtSuiteData)
            : path === '/api-key'
              ? apiKeyCases((await request.json()) as ApiKeySuiteData)
              : sigv4Cases((await request.json()) as VectorData);
    const results: Array<{ name: string; ok: boolean; error?: string }> = [];
    for (const c of cases) {
      try {
        await c.run();
        results.push({ name: c.name, ok: true });
      } catch (e) {
        results.push({ name: c.name, ok: false, error: String((e as Error).message ?? e) });
      }
    }
    return Response.json({ navigator: typeof navigator === 'undefined' ? null : navigator.userAgent, results });
  },
};
