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
