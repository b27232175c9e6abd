import { describe, expect, it } from 'vitest';
import { pairAwsFindings, proximity } from '../../src/verify/index.js';
import type { VerifySpec } from '../../src/types/index.js';
import { finding, keyIdForAccount, occ, secretFor, tokenFor } from './helpers/loopback.js';

// Rule ids are arbitrary: pairing follows the verify specs, not names.
const lookup = new Map<string, VerifySpec>([
  ['x.key-id', { kind: 'aws-sts', role: 'access-key-id', pairWith: 'x.secret' }],
  ['x.secret', { kind: 'aws-sts', role: 'secret-access-key', pairWith: 'x.key-id' }],
  ['y.secret-only-links-back', { kind: 'aws-sts', role: 'secret-access-key', pairWith: 'x.key-id' }],
  ['z.other-id', { kind: 'aws-sts', role: 'access-key-id', pairWith: 'z.other-secret' }],
  ['x.token', { kind: 'aws-sts', role: 'session-token', pairWith: 'x.key-id' }],
  ['h.http', { kind: 'http', method: 'GET', url: 'https://example.invalid/', auth: { type: 'bearer' }, valid: {}, invalid: {} }],
]);
const ID = keyIdForAccount('123456789012', 'p');

describe('proximity', () => {
  it('same blob beats same commit beats anywhere', () => {
    expect(proximity([occ({ line: 10, blob: 'b1', commit: 'c1' })], [occ({ line: 13, blob: 'b1', commit: 'c1' })])).toEqual({ tier: 'same-blob', distance: 3 });
    expect(proximity([occ({ line: 10, blob: 'b1', commit: 'c1' })], [occ({ line: 1, blob: 'b2', commit: 'c1' })])).toEqual({ tier: 'same-commit', distance: 0 });
    expect(proximity([occ({ line: 10, blob: 'b1', commit: 'c1' })], [occ({ line: 1, blob: 'b2', commit: 'c2' })]).tier).toBe('same-scan');
  });
  it('takes the best pair of occurrences', () => {
    const a = [occ({ line: 10, blob: 'b1' }), occ({ line: 50, blob: 'b2' })];
    const b = [occ({ line: 1, blob: 'b1' }), occ({ line: 49, blob: 'b2' })];
    expect(proximity(a, b)).toEqual({ tier: 'same-blob', distance: 1 });
  });
});

describe('pairAwsFindings', () => {
  const id = finding('x.key-id', ID, [occ({ line: 10, blob: 'b1', commit: 'c1' })]);
  const near = finding('x.secret', secretFor('near'), [occ({ line: 11, blob: 'b1', commit: 'c1' })]);
  const far = finding('x.secret', secretFor('far'), [occ({ line: 40, blob: 'b1', commit: 'c1' })]);
  const sameCommit = finding('y.secret-only-links-back', secretFor('commit'), [occ({ line: 1, blob: 'b9', commit: 'c1' })]);
  const elsewhere = finding('x.secret', secretFor('elsewhere'), [occ({ line: 1, blob: 'b7', commit: 'c7' })]);
  const http = finding('h.http', tokenFor('h'), [occ({ line: 11, blob: 'b1', commit: 'c1' })]);

  it('ranks same blob (nearest first), then same commit, then anywhere', () => {
    const { pairings } = pairAwsFindings([elsewhere, far, sameCommit, http, id, near], lookup, 10);
    expect(pairings).toHaveLength(1);
    expect(pairings[0]!.secrets.map((s) => [s.finding.secret, s.tier])).toEqual([
      [near.secret, 'same-blob'],
      [far.secret, 'same-blob'],
      [sameCommit.secret, 'same-commit'],
      [elsewhere.secret, 'same-scan'],
    ]);
  });

  it('bounds candidates and reports secrets nobody pairs with', () => {
    const other = finding('z.other-id', keyIdForAccount('123456789012', 'z'), [occ({ line: 1, blob: 'b1' })]);
    const { pairings, unpairedSecrets } = pairAwsFindings([id, near, far, elsewhere, other], lookup, 1);
    const mine = pairings.find((p) => p.keyId === id)!;
    expect(mine.secrets.map((s) => s.finding)).toEqual([near]);
    // z.other-id links to a rule that found nothing: no candidates, even though x.secret findings sit next to it.
    expect(pairings.find((p) => p.keyId === other)!.secrets).toEqual([]);
    expect(unpairedSecrets.map((f) => f.secret).sort()).toEqual([far.secret, elsewhere.secret].sort());
  });

  it('attaches the nearest linked session token', () => {
    const t1 = finding('x.token', tokenFor('t1'), [occ({ line: 12, blob: 'b1' })]);
    const t2 = finding('x.token', tokenFor('t2'), [occ({ line: 90, blob: 'b1' })]);
    const { pairings, sessionTokens } = pairAwsFindings([id, near, t2, t1], lookup);
    expect(pairings[0]!.sessionToken?.finding).toBe(t1);
    expect(sessionTokens).toHaveLength(2);
  });
});
