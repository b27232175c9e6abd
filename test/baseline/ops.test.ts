import { describe, expect, it } from 'vitest';
import {
  accept,
  classify,
  createBaseline,
  identify,
  markFalsePositive,
  markRotated,
  merge,
  prune,
  reopen,
  resolveKey,
  status,
} from '../../src/baseline/index.js';
import { LeakhoundError } from '../../src/errors/index.js';
import { AWS_ID, AWS_SECRET, C1, C2, C3, GH_TOKEN, PASSWORD, commitRef, finding, occ } from './helpers.js';

const T0 = '2025-03-01T12:00:00Z';

function setup() {
  const fs = {
    aws: finding('aws.secret-key', AWS_SECRET),
    id: finding('aws.access-key-id', AWS_ID),
    gh: finding('github.pat', GH_TOKEN),
    pw: finding('generic.password', PASSWORD),
  };
  const b = merge(createBaseline(), Object.values(fs), { now: T0, scope: 'full' }).baseline;
  const key = (f: (typeof fs)[keyof typeof fs]): string => identify(b, f.ruleId, f.secret).key;
  return { fs, b, key };
}

describe('classify (--baseline suppression)', () => {
  it('new fails; known open passes (unless requireTriage); accepted passes until it expires; false positives pass', () => {
    const { fs, b: b0, key } = setup();
    let b = accept(b0, key(fs.aws), { reason: 'test fixture', by: 'alice', expires: '2025-06-30', now: T0 }).baseline;
    b = markFalsePositive(b, key(fs.id), { reason: 'docs example', by: 'bob', now: T0 }).baseline;
    const extra = finding('slack.token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx');
    const all = [fs.aws, fs.id, fs.gh, fs.pw, extra];

    const before = classify(b, all, '2025-06-30T23:59:59Z');
    const cls = (c: typeof before): Record<string, string> => Object.fromEntries(c.items.map((i) => [i.finding.ruleId, i.class]));
    expect(cls(before)).toEqual({
      'aws.secret-key': 'accepted',
      'aws.access-key-id': 'false-positive',
      'github.pat': 'known-open',
      'generic.password': 'known-open',
      'slack.token': 'new',
    });
    expect(before.failing.map((i) => i.finding.ruleId)).toEqual(['slack.token']);
    expect(before.suppressed.total).toBe(4);
    expect(before.suppressed.byClass).toMatchObject({ accepted: 1, 'false-positive': 1, 'known-open': 2 });
    expect(before.items[0]!.reason).toBe('accepted by alice: test fixture (expires 2025-06-30)');

    // the day after the expiry date, the accepted finding fails again
    const after = classify(b, all, '2025-07-01T00:00:00Z');
    expect(cls(after)['aws.secret-key']).toBe('accepted-expired');
    expect(after.failing.map((i) => i.finding.ruleId).sort()).toEqual(['aws.secret-key', 'slack.token']);
    expect(after.items[0]!.reason).toContain('expired on 2025-06-30');

    const strict = classify(b, all, '2025-06-01T00:00:00Z', { requireTriage: true });
    expect(strict.failing.map((i) => i.finding.ruleId).sort()).toEqual(['generic.password', 'github.pat', 'slack.token']);
  });

  it('a rotated secret seen again in old history passes; introduced again after the rotation, or verified valid, it fails', () => {
    const { fs, b: b0, key } = setup();
    const b = markRotated(b0, key(fs.gh), { at: '2025-02-01T00:00:00Z', by: 'carol' }).baseline;
    expect(classify(b, [fs.gh], T0).items[0]!.class).toBe('rotated');
    const again = finding('github.pat', GH_TOKEN, {
      occurrences: [occ('config/app.env', 3, C1, true), occ('scripts/ci.sh', 9, C3, true)],
      introducedIn: [commitRef(C1, '2024-01-01T00:00:00Z'), commitRef(C3, '2025-02-20T10:00:00Z')],
    });
    const r = classify(b, [again], T0);
    expect(r.items[0]!.class).toBe('rotated-regression');
    expect(r.items[0]!.fails).toBe(true);
    expect(r.items[0]!.reason).toContain(C3.slice(0, 12));
    const valid = { ...fs.gh, verification: { status: 'valid' as const, detail: '200', checkedAt: T0 } };
    expect(classify(b, [valid], T0).items[0]!.class).toBe('rotated-regression');
    // merging the regression keeps it a regression until re-triaged
    const m = merge(b, [again], { now: T0, scope: 'full' });
    expect(m.classification.items[0]!.class).toBe('rotated-regression');
    expect(classify(m.baseline, [again], T0).items[0]!.class).toBe('rotated-regression');
  });

  it('markRotated refuses a verification that says the secret is valid, and records one that says invalid', () => {
    const { fs, b, key } = setup();
    expect(() => markRotated(b, key(fs.gh), { verification: { status: 'valid', detail: '', checkedAt: T0 } })).toThrow(/still valid/);
    const r = markRotated(b, key(fs.gh), { at: T0, verification: { status: 'invalid', detail: '401', checkedAt: T0 } });
    expect(r.baseline.entries[r.key]!.triage).toEqual({
      state: 'rotated',
      at: '2025-03-01T12:00:00.000Z',
      confirmedBy: { status: 'invalid', detail: '401', checkedAt: T0 },
    });
    expect(reopen(r.baseline, r.key).baseline.entries[r.key]!.triage).toEqual({ state: 'open' });
  });
});

describe('merge', () => {
  it('the issue scenario: secret deleted from HEAD stays listed as history-only, passes as known, and status shows it not rotated', () => {
    const created = merge(createBaseline(), [finding('aws.secret-key', AWS_SECRET, { occurrences: [occ('.env', 1, C1, true)] })], {
      now: T0,
      scope: 'full',
      tips: { 'refs/heads/main': C1 },
    });
    expect(created.added).toHaveLength(1);
    const deleted = finding('aws.secret-key', AWS_SECRET, {
      occurrences: [occ('.env', 1, C1, true)],
      removedIn: [commitRef(C2)],
      status: 'history-only',
      atTips: [],
    });
    const audit = classify(created.baseline, [deleted], T0);
    expect(audit.failing).toHaveLength(0);
    expect(audit.items[0]!.class).toBe('known-open');
    const updated = merge(created.baseline, [deleted], { now: T0, scope: 'full', tips: { 'refs/heads/main': C2 } });
    const [key] = updated.updated;
    const e = updated.baseline.entries[key!]!;
    expect(e.status).toBe('history-only');
    expect(e.removedIn).toEqual([C2]);
    expect(updated.baseline.seenTips).toEqual({ 'refs/heads/main': C2 });
    const st = status(updated.baseline, T0);
    expect(st.historyOnlyNotRotated.map((r) => r.key)).toEqual([key]);
    expect(st.byStatus).toEqual({ present: 0, 'history-only': 1, unreachable: 0 });
  });

  it('full scope marks entries not found; status reports unused suppressions; prune drops them only when asked', () => {
    const { fs, b: b0, key } = setup();
    const b = accept(b0, key(fs.aws), { reason: 'fixture', by: 'a', now: T0 }).baseline;
    const r = merge(b, [fs.gh, fs.pw, fs.id], { now: T0, scope: 'full' });
    expect(r.notFound).toEqual([key(fs.aws)]);
    expect(r.baseline.entries[key(fs.aws)]).toMatchObject({ found: false, triage: { state: 'accepted' } });
    const st = status(r.baseline, T0);
    expect(st.unusedSuppressions.map((x) => x.key)).toEqual([key(fs.aws)]);
    expect(st.notFound).toHaveLength(1);
    expect(st.byTriage).toEqual({ open: 3, accepted: 1, 'false-positive': 0, rotated: 0 });
    // partial and incremental runs do not mark absent entries
    expect(merge(b, [fs.gh], { now: T0, scope: 'partial' }).notFound).toEqual([]);
    expect(merge(b, [fs.gh], { now: T0, scope: 'incremental' }).baseline.entries[key(fs.aws)]!.found).toBe(true);
    const p = prune(r.baseline);
    expect(p.removed).toEqual([key(fs.aws)]);
    expect(Object.keys(p.baseline.entries)).toHaveLength(3);
    expect(prune(r.baseline, [key(fs.gh)]).removed).toHaveLength(3);
    // found again later: back to found, triage kept
    const back = merge(r.baseline, [fs.aws], { now: T0, scope: 'partial' });
    expect(back.baseline.entries[key(fs.aws)]).toMatchObject({ found: true, triage: { state: 'accepted' } });
  });

  it('caps stored occurrences (introducing commits first) and keeps the true count; incremental adds to them', () => {
    const many = Array.from({ length: 50 }, (_, i) => occ(`src/f${String(i).padStart(2, '0')}.ts`, i + 1, C2));
    many.push(occ('zz/origin.ts', 1, C1, true));
    const f = finding('aws.secret-key', AWS_SECRET, { occurrences: many, introducedIn: [commitRef(C1)] });
    const b = merge(createBaseline(), [f], { now: T0, scope: 'full', maxOccurrences: 5 }).baseline;
    const e = Object.values(b.entries)[0]!;
    expect(e.occurrenceCount).toBe(51);
    expect(e.occurrences).toHaveLength(5);
    expect(e.occurrences.some((o) => o.path === 'zz/origin.ts')).toBe(true);
    const inc = merge(b, [finding('aws.secret-key', AWS_SECRET, { occurrences: [occ('new.ts', 4, C3)], introducedIn: [] })], {
      now: T0,
      scope: 'incremental',
      maxOccurrences: 5,
    });
    const e2 = Object.values(inc.baseline.entries)[0]!;
    expect(e2.occurrenceCount).toBe(52);
    expect(e2.introducedIn).toEqual([C1]);
  });

  it('does not mutate its input', () => {
    const { fs, b } = setup();
    const copy = structuredClone(b);
    merge(b, [fs.gh, finding('x.y', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz')], { now: T0, scope: 'full', tips: { a: C1 } });
    accept(b, Object.keys(b.entries)[0]!, { reason: 'r', by: 'b', now: T0 });
    expect(b).toEqual(copy);
  });
});

describe('fingerprint lookup', () => {
  it('accepts an exact key, a unique prefix or a hash prefix; not found and ambiguous are coded errors', () => {
    const { fs, b, key } = setup();
    const k = key(fs.aws);
    expect(resolveKey(b, k)).toBe(k);
    expect(resolveKey(b, k.slice(0, 'aws.secret-key:'.length + 6))).toBe(k);
    expect(resolveKey(b, 'github')).toBe(key(fs.gh));
    expect(resolveKey(b, b.entries[k]!.hash.slice(0, 10))).toBe(k);
    const nf = (() => {
      try {
        resolveKey(b, 'nope:0000');
      } catch (e) {
        return e as LeakhoundError;
      }
    })();
    expect(nf?.code).toBe('E_FINGERPRINT_NOT_FOUND');
    expect(() => resolveKey(b, 'aws.')).toThrow(/matches 2 baseline entries/);
    expect(() => accept(b, 'nope', { reason: 'r', by: 'b' })).toThrow(LeakhoundError);
    expect(() => accept(b, k, { reason: ' ', by: 'b' })).toThrow(/reason is required/);
    expect(() => accept(b, k, { reason: 'r', by: 'b', expires: 'next week' })).toThrow(/--expires/);
  });
});
