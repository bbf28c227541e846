/**
 * A worker that runs the conformance suites inside workerd with the platform's own crypto (Web
 * Crypto): POST the SigV4 vector data as JSON to `/`, the MAuth suite to `/mauth` or the API-key data
 * to `/api-key`, and get back
 * one result per case.
 */
import { mauthCases, type MAuthSuiteData } from './mauth-suite.ts';
import { apiKeyCases, type ApiKeySuiteData } from './api-key-suite.ts';
import { sigv4Cases, type SuiteCase } from './sigv4-suite.ts';
import type { VectorData } from './vector-data.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const cases: SuiteCase[] =
      path === '/mauth'
        ? mauthCases((await request.json()) as MAuthSuiteData)
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
