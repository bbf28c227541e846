// The part of autocannon 9's API that bench/edge.ts uses (the package ships no declarations).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** One load run against one URL. */
    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      /** Concurrent connections (default 10). */
      connections?: number;
      /** Seconds to run. */
      duration?: number;
      /** Requests in flight per connection (default 1). */
      pipelining?: number;
      /** Seconds before a request counts as timed out (default 10). */
      timeout?: number;
    }

    /** What a run reports (the fields used here). */
    interface Result {
      /** Seconds the run took. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      requests: { total: number; average: number; sent: number };
      statusCodeStats: Record<string, { count: number } | undefined>;
    }

    /** A run in progress: emits `response` (client, status, bytes, ms) for each answer. */
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, done: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;
  export default autocannon;
}
