/**
 * A worker that runs the SigV4 conformance suite inside workerd with the platform's own crypto
 * (Web Crypto): POST the vector data as JSON, get back one result per case.
 */
import { sigv4Cases } from './sigv4-suite.ts';
import type { VectorData } from './vector-data.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const data = (await request.json()) as VectorData;
    const results: Array<{ name: string; ok: boolean; error?: string }> = [];
    for (const c of sigv4Cases(data)) {
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
