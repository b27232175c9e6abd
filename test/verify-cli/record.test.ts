// recordVerifications (src/baseline/verification.ts): results land in entries; a later `invalid` confirms a rotation.
import { describe, expect, it } from 'vitest';
import { createBaseline, markRotated, merge, recordVerifications, serialize, parseBaseline, type Baseline } from '../../src/baseline/index.js';
import type { Finding, VerificationResult } from '../../src/types/index.js';
import { finding, occ, secretFor } from '../verify/helpers/loopback.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (days: number): string => new Date(T0.getTime() + days * 86_400_000).toISOString();

function baselineWith(...fs: Finding[]): { b: Baseline; keys: string[] } {
  const r = merge(createBaseline({ salt: 'a'.repeat(64) }), fs, { now: T0, scope: 'full' });
  return { b: r.baseline, keys: r.added };
}

const v = (status: VerificationResult['status'], checkedAt: string, facts?: Record<string, string>): VerificationResult => ({
  status,
  detail: `${status} per test`,
  checkedAt,
  ...(facts ? { facts } : {}),
});

describe('recordVerifications', () => {
  it('stores status, time, detail and facts; the input is untouched; the file round-trips', () => {
    const { b, keys } = baselineWith(finding('aws.access-key-id', secretFor('r1'), [occ({ line: 1 })]));
    const k = keys[0]!;
    const r = recordVerifications(b, new Map([[k, v('valid', at(1), { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/x' })]]));
    expect(b.entries[k]!.verification).toBeUndefined();
    expect(r.baseline.entries[k]!.verification).toEqual({
      status: 'valid',
      checkedAt: at(1),
      detail: 'valid per test',
      facts: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/x' },
    });
    expect(r.updated).toEqual([k]);
    expect(parseBaseline(serialize(r.baseline), 'x').entries[k]!.verification?.status).toBe('valid');
    expect(serialize(r.baseline)).not.toContain(secretFor('r1'));
  });

  it('an older result never replaces a newer one; unknown keys are reported missing', () => {
    const { b, keys } = baselineWith(finding('aws.access-key-id', secretFor('r2'), [occ({ line: 1 })]));
    const k = keys[0]!;
    const newer = recordVerifications(b, new Map([[k, v('valid', at(5))]])).baseline;
    const r = recordVerifications(newer, new Map([[k, v('invalid', at(2))], ['nope:0000', v('valid', at(2))]]));
    expect(r.baseline.entries[k]!.verification?.status).toBe('valid');
    expect(r.updated).toEqual([]);
    expect(r.missing).toEqual(['nope:0000']);
  });

  it('a rotated entry verified invalid after the rotation is confirmed (first confirmation kept); valid is flagged, triage kept', () => {
    const { b, keys } = baselineWith(
      finding('aws.access-key-id', secretFor('r3'), [occ({ line: 1 })]),
      finding('aws.access-key-id', secretFor('r4'), [occ({ line: 2 })]),
    );
    const [k1, k2] = keys as [string, string];
    let x = markRotated(b, k1, { at: new Date(at(3)), by: 'ops' }).baseline;
    x = markRotated(x, k2, { at: new Date(at(3)) }).baseline;

    const before = recordVerifications(x, new Map([[k1, v('invalid', at(2))]])); // checked before the rotation
    expect(before.confirmedRotations).toEqual([]);
    expect(before.baseline.entries[k1]!.triage).not.toHaveProperty('confirmedBy');

    const r = recordVerifications(x, new Map([[k1, v('invalid', at(4))], [k2, v('valid', at(4))]]));
    expect(r.confirmedRotations).toEqual([k1]);
    expect(r.baseline.entries[k1]!.triage).toEqual({ state: 'rotated', at: at(3), by: 'ops', confirmedBy: { status: 'invalid', checkedAt: at(4), detail: 'invalid per test' } });
    expect(r.liveButRotated).toEqual([k2]);
    expect(r.baseline.entries[k2]!.triage.state).toBe('rotated');

    const again = recordVerifications(r.baseline, new Map([[k1, v('invalid', at(9))]]));
    expect(again.confirmedRotations).toEqual([]);
    expect(again.baseline.entries[k1]!.triage).toMatchObject({ confirmedBy: { checkedAt: at(4) } });
    expect(again.baseline.entries[k1]!.verification?.checkedAt).toBe(at(9));
  });
});
