// The progress line's text (src/cli/progress.ts): counts, rate, and an ETA from the commit rate once commits are
// counted (a history walk reads every commit down to the root before it counts the first).
import { describe, expect, it } from 'vitest';
import { etaSeconds, progressText } from '../../src/cli/progress.js';

describe('progress line', () => {
  it('shows walked of total commits and an ETA when the total is known', () => {
    const f = { commits: 500, total: 2000, blobs: 40, bytes: 12_500_000, findings: 3 };
    expect(progressText(f, 5, 15)).toBe('walking: 500/2000 commits, 40 blobs, 12.5 MB, 2.5 MB/s, 3 secrets, 5.0 s, ETA 15 s');
    expect(progressText(f, 5, 125.2)).toContain('ETA 2 min 6 s');
    expect(progressText({ commits: 500, blobs: 40, bytes: 12_500_000, findings: 3 }, 5, undefined)).toBe('walking: 500 commits, 40 blobs, 12.5 MB, 2.5 MB/s, 3 secrets, 5.0 s');
  });

  it('takes the rate from when commits were first counted, and gives none without a rate or a total', () => {
    // 1,000 commits counted in 10 s after the first 100: 900 per 10 s; 9,000 left -> 100 s.
    expect(etaSeconds(100, 1000, 10_000, 10)).toBeCloseTo(100, 6);
    expect(etaSeconds(100, 100, 10_000, 10)).toBeUndefined();
    expect(etaSeconds(0, 500, undefined, 10)).toBeUndefined();
    expect(etaSeconds(0, 500, 400, 10)).toBeUndefined();
    expect(etaSeconds(0, 500, 500, 10)).toBe(0);
  });
});
