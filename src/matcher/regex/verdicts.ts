// Precomputed safety verdicts (from the built-in rules cache, dist/rules.json): the safety proof costs seconds for
// ~150 rules, far more than a pre-commit hook may take, and its result depends only on the pattern, its flags and
// the analyzer's code (all three are in the cache key; see src/rules/cache.ts).
// Owns: the seed table. May import: ./safety (types only).
import type { PatternFacts } from './facts.js';
import type { SafetyVerdict } from './safety.js';

const seeded = new Map<string, SafetyVerdict>();
const seededFactsMap = new Map<string, PatternFacts>();

export type StoredVerdict = { engine: 'v8' | 're2'; costPerStart: number | null; reason: string; facts?: PatternFacts };

export function verdictKey(pattern: string, flags: string): string {
  return `${flags}/${pattern}`;
}

/** Verdicts as stored in JSON (Infinity is written as null). */
export function seedVerdicts(entries: Record<string, StoredVerdict>): void {
  for (const [k, v] of Object.entries(entries)) {
    seeded.set(k, { engine: v.engine, costPerStart: v.costPerStart ?? Infinity, reason: v.reason });
    if (v.facts) seededFactsMap.set(k, v.facts);
  }
}

export function seededFacts(pattern: string, flags: string): PatternFacts | undefined {
  return seededFactsMap.get(verdictKey(pattern, flags));
}

/** Every seeded verdict, in the stored form, to hand to worker threads. */
export function seededEntries(): Record<string, StoredVerdict> {
  const out: Record<string, StoredVerdict> = {};
  for (const [k, v] of seeded) {
    const e: StoredVerdict = { engine: v.engine, costPerStart: Number.isFinite(v.costPerStart) ? v.costPerStart : null, reason: v.reason };
    const f = seededFactsMap.get(k);
    if (f) e.facts = f;
    out[k] = e;
  }
  return out;
}

export function seededVerdict(pattern: string, flags: string): SafetyVerdict | undefined {
  return seeded.get(verdictKey(pattern, flags));
}
