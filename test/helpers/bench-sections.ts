import { expect } from 'vitest';
import type { RunsOf } from '../../bench/stats.ts';

/**
 * A bench section rendered from made-up per-run medians, so that its ratios are known: case i's three
 * runs take 10 + i, 11 + i and 12 + i µs, unless `runs` gives a case others. Checked to start with its
 * `## heading` and to hold a table row per case.
 */
export function renderedSection(
  names: readonly string[],
  render: (runsOf: RunsOf) => string,
  heading: string,
  runs: Readonly<Record<string, number[]>> = {},
): string {
  const byName = new Map(names.map((n, i) => [n, runs[n] ?? [10 + i, 11 + i, 12 + i]]));
  const md = render((n) => byName.get(n)!);
  expect(md.startsWith(`## ${heading}\n`)).toBe(true);
  for (const n of names) expect(md).toContain(`| ${n} |`);
  return md;
}
