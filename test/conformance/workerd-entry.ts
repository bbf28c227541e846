/**
 * A worker that runs the conformance suites inside workerd with the platform's own crypto (Web
 * Crypto): POST the SigV4 vector data as JSON to `/`, or the MAuth suite to `/mauth`, and get back
 * one result per case.
 */
import { mauthCases, type MAuthSuiteData } from './mauth-suite.ts';
import { sigv4Cases, type SuiteCase } from './sigv4-suite.ts';
import type { VectorData } from './vector-data.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const cases: SuiteCase[] =
      new URL(request.url).pathname === '/mauth'
        ? mauthCases((await request.json()) as MAuthSuiteData)
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
