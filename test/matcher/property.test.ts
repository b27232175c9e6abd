// Property tests: random input never throws, offsets stay in bounds, prefilter on == prefilter off,
// and the worker pool gives the in-thread results.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../src/matcher/index.js';
import type { RawMatch } from '../../src/types/index.js';
import { createPool } from '../../src/workers/pool.js';
import { builtin } from '../helpers/rules.js';

const { rules, allow } = builtin();
const on = new Matcher(rules, { allow });
const off = new Matcher(rules, { allow, prefilter: false });

// Text made of rule examples cut and spliced with noise, so matches actually occur.
const fragments = rules.flatMap((r) => [...r.examples, ...r.negativeExamples].map((e) => e.text));
const piece = fc.oneof(
  fc.constantFrom(...fragments),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('\n', '\r\n', '\t', ' ', '😀', '"', "'", '=', ':', 'key', 'token', 'password', 'ghp_', 'AKIA'),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
const text = fc.array(piece, { maxLength: 30 }).map((a) => a.join(''));

const key = (m: RawMatch) => `${m.ruleId}@${m.start}-${m.end}:${m.line}:${m.column}:${m.endLine}:${m.endColumn}`;

describe('matcher properties', () => {
  it('never throws and keeps offsets in bounds', () => {
    fc.assert(
      fc.property(text, (t) => {
        for (const m of on.scanText(t, 'u').matches) {
          expect(m.start).toBeGreaterThanOrEqual(0);
          expect(m.end).toBeLessThanOrEqual(t.length);
          expect(m.end).toBeGreaterThan(m.start);
          expect(t.slice(m.start, m.end)).toBe(m.secret);
          expect(m.line).toBeGreaterThanOrEqual(1);
          expect(m.column).toBeGreaterThanOrEqual(1);
          expect(m.endLine).toBeGreaterThanOrEqual(m.line);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const r = on.scanUnit({ id: 'b', bytes: b });
        expect(r.unitId).toBe('b');
      }),
      { numRuns: 300 },
    );
  });

  it('prefilter on gives the same matches as prefilter off', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(on.scanText(t, 'u').matches.map(key)).toEqual(off.scanText(t, 'u').matches.map(key));
      }),
      { numRuns: 400 },
    );
  });
});

describe('worker pool', () => {
  it('gives the same results as the in-thread matcher', async () => {
    const samples = fc.sample(text, { numRuns: 200, seed: 42 });
    const pool = createPool({ rules, allow }, { threads: 2, batchUnits: 7 });
    try {
      const results = await Promise.all(samples.map((t, i) => pool.scan({ id: `u${i}`, bytes: new Uint8Array(Buffer.from(t, 'utf8')) })));
      results.forEach((r, i) => {
        const local = on.scanUnit({ id: `u${i}`, bytes: new Uint8Array(Buffer.from(samples[i]!, 'utf8')) });
        expect(r.matches.map(key)).toEqual(local.matches.map(key));
        expect(r.unitId).toBe(`u${i}`);
      });
      expect(results.some((r) => r.matches.length > 0)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('a worker is handed several batches at once, so a caller that does not await for a while does not starve it', async () => {
    const pool = createPool({ rules, allow }, { threads: 1, batchUnits: 4 });
    try {
      const pending = Array.from({ length: 100 }, (_, i) => pool.scan({ id: `q${i}`, text: `line ${i}` }));
      // Nothing awaited yet: every batch that went out went out synchronously, before any result was read.
      expect((pool as unknown as { sent: number }).sent).toBe(8);
      expect((await Promise.all(pending)).map((r) => r.unitId)).toEqual(pending.map((_, i) => `q${i}`));
      expect((pool as unknown as { sent: number }).sent).toBe(25);
    } finally {
      await pool.close();
    }
  });

  it('an idle worker takes units queued for another (one affinity for all), with the same results', async () => {
    const samples = fc.sample(text, { numRuns: 300, seed: 7 });
    const pool = createPool({ rules, allow }, { threads: 2, batchUnits: 5 });
    try {
      const results = await Promise.all(samples.map((t, i) => pool.scan({ id: `s${i}`, bytes: new Uint8Array(Buffer.from(t, 'utf8')), affinity: 0 })));
      results.forEach((r, i) => {
        const local = on.scanUnit({ id: `s${i}`, bytes: new Uint8Array(Buffer.from(samples[i]!, 'utf8')) });
        expect(r.matches.map(key)).toEqual(local.matches.map(key));
        expect(r.unitId).toBe(`s${i}`);
      });
      // Every unit was queued for worker 0; worker 1 only ever got work by taking it.
      expect((pool as unknown as { stolen: number }).stolen).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });
});
