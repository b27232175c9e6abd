// Recording verification results in baseline entries (`leakhound verify --baseline`): the last result per entry,
// and the confirmation of a rotation by a later `invalid`.
// Owns: only that fold. Pure: returns a new baseline. May import: types, ./format, ./ops.
import type { VerificationResult } from '../types/index.js';
import { cmp, type Baseline, type BaselineVerification } from './format.js';
import { toBaselineVerification } from './ops.js';

export interface RecordedVerifications {
  baseline: Baseline;
  /** Keys whose stored verification changed. */
  updated: string[];
  /** Rotated entries now confirmed: verified `invalid` at or after the rotation time (`triage.confirmedBy` set). */
  confirmedRotations: string[];
  /** Rotated entries whose secret was verified `valid`: the rotation did not happen (triage is left as is). */
  liveButRotated: string[];
  /** Keys given that the baseline does not hold. */
  missing: string[];
}

const time = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? -Infinity : t;
};

/**
 * Store each result as its entry's `verification` (an older result never replaces a newer one). A rotated entry
 * verified `invalid` at or after its rotation time gets `triage.confirmedBy` (the first such confirmation is kept).
 * The input baseline is not changed.
 */
export function recordVerifications(
  b: Baseline,
  results: ReadonlyMap<string, VerificationResult | BaselineVerification>,
): RecordedVerifications {
  const out = structuredClone(b);
  const updated: string[] = [];
  const confirmedRotations: string[] = [];
  const liveButRotated: string[] = [];
  const missing: string[] = [];
  for (const [key, r] of results) {
    const e = out.entries[key];
    if (!e) {
      missing.push(key);
      continue;
    }
    const v = toBaselineVerification({ detail: '', ...r });
    const before = JSON.stringify(e.verification);
    if (!e.verification || time(v.checkedAt) >= time(e.verification.checkedAt)) e.verification = v;
    const t = e.triage;
    if (t.state === 'rotated') {
      if (v.status === 'invalid' && time(v.checkedAt) >= time(t.at) && !t.confirmedBy) {
        t.confirmedBy = v;
        confirmedRotations.push(key);
      } else if (v.status === 'valid') liveButRotated.push(key);
    }
    if (JSON.stringify(e.verification) !== before || confirmedRotations.at(-1) === key) updated.push(key);
  }
  return {
    baseline: out,
    updated: updated.sort(cmp),
    confirmedRotations: confirmedRotations.sort(cmp),
    liveButRotated: liveButRotated.sort(cmp),
    missing: missing.sort(cmp),
  };
}
