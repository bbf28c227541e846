// The summaries every bench reports: medians, and the spread of repeated runs.

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median, least and greatest of repeated measurements. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The {@link Spread} of `xs`. */
export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** `x` with `d` decimals. */
export const fmt = (x: number, d = 2) => x.toFixed(d);

/** Median, then the range, as two table cells. */
export const span = (s: Spread, d = 2) => `${fmt(s.median, d)} | ${fmt(s.min, d)} – ${fmt(s.max, d)}`;

/** A ratio's line beside its target, in three decimals: a ratio next to its target must not round onto it. */
export const target = (label: string, s: Spread, limit: number) =>
  `- ${label}: **${fmt(s.median, 3)}** (runs ${fmt(s.min, 3)} – ${fmt(s.max, 3)}; target at most ${limit}: ${s.median <= limit ? 'met' : `MISSED by ${fmt((s.median / limit - 1) * 100, 1)}%`})`;

/** Per-run medians of a case by name (runs in the same order for every case). */
export type RunsOf = (name: string) => readonly number[];

/** The ratio of case `a` to case `b` run by run (the two measured side by side in each run), as a {@link Spread}. */
export function runRatio(runsOf: RunsOf, a: string, b: string): Spread {
  const ys = runsOf(b);
  return spread(runsOf(a).map((x, i) => x / ys[i]!));
}

/**
 * The table of a bench section: each case's median µs/op with the range of its runs, ops/s, and its
 * ratio to the case `base` (per run, then median and range), that column headed `ratio to <baseLabel>`.
 */
export function caseTable(runsOf: RunsOf, names: readonly string[], base: string, baseLabel: string): string {
  return [
    `| case | median µs/op | min – max of the runs | ops/s | ratio to ${baseLabel} (median, min – max) |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...names.map((name) => {
      const s = spread(runsOf(name));
      return `| ${name} | ${fmt(s.median)} | ${fmt(s.min)} – ${fmt(s.max)} | ${Math.round(1e6 / s.median).toLocaleString('en-US')} | ${span(runRatio(runsOf, name, base))} |`;
    }),
  ].join('\n');
}
