import { describe, expect, it } from 'vitest';
import { createBaseline, merge, parseBaseline, serialize } from '../../src/baseline/index.js';
import { AWS_SECRET, GH_TOKEN, PASSWORD, finding } from './helpers.js';

const NOW = '2025-03-01T12:00:00Z';

describe('baseline format', () => {
  it('round-trips through the canonical text', () => {
    const b0 = createBaseline();
    const { baseline } = merge(b0, [finding('aws.secret-key', AWS_SECRET), finding('github.pat', GH_TOKEN), finding('generic.password', PASSWORD)], {
      now: NOW,
      scope: 'full',
      tips: { 'refs/heads/main': '1111111111111111111111111111111111111111' },
    });
    const text = serialize(baseline);
    expect(text.endsWith('}\n')).toBe(true);
    const back = parseBaseline(text, 'x');
    expect(back).toEqual(baseline);
    expect(serialize(back)).toBe(text);
  });
});
