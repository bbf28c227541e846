// BENCHMARKS.md is written by two benches: `npm run bench` rewrites its own sections and must keep
// the one `npm run bench:edge` splices in, and the other way round.
import { describe, expect, it } from 'vitest';
import { keepOtherSections, sectionOf, spliceSection } from '../../bench/package-size.ts';

const doc = '# Benchmarks\n\nintro\n\n## A\n\na1\n\n## Edge\n\nedge1\n\n## B\n\nb1\n';

describe('BENCHMARKS.md sections', () => {
  it('reads one section up to the next heading, or to the end', () => {
    expect(sectionOf(doc, '## Edge')).toBe('## Edge\n\nedge1\n');
    expect(sectionOf(doc, '## B')).toBe('## B\n\nb1\n');
    expect(sectionOf(doc, '## C')).toBeUndefined();
  });

  it('splices a section in place of its own, leaving the others', () => {
    expect(spliceSection(doc, '## Edge\n\nedge2\n')).toBe('# Benchmarks\n\nintro\n\n## A\n\na1\n\n## Edge\n\nedge2\n\n## B\n\nb1\n');
    expect(spliceSection('# Benchmarks\n\n## A\n\na1\n', '## Edge\n\nedge2\n')).toBe('# Benchmarks\n\n## A\n\na1\n\n## Edge\n\nedge2\n');
  });

  it("keeps another bench's section when a bench rewrites the whole file", () => {
    const rewritten = '# Benchmarks\n\nintro 2\n\n## A\n\na2\n\n## B\n\nb2\n';
    const out = keepOtherSections(doc, rewritten);
    expect(sectionOf(out, '## Edge')).toBe('## Edge\n\nedge1\n');
    expect(sectionOf(out, '## A')).toBe('## A\n\na2\n');
    expect(sectionOf(out, '## B')).toBe('## B\n\nb2\n');
    expect(out.startsWith('# Benchmarks\n\nintro 2\n')).toBe(true);
    expect(keepOtherSections(doc, doc)).toBe(doc);
  });
});
