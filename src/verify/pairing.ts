// Pairs AWS access key ids with secret access keys (and session tokens) among the findings of one scan.
// Rules are recognised by their `verify: {kind: aws-sts, role, pairWith}` spec, never by rule-id constants: an id
// rule and a secret rule pair when either one's `pairWith` names the other.
// Ranking: same blob (nearest lines first), then same commit, then anywhere in the scan.
// Owns: pairing only (pure: no I/O). May import: types.
import type { Finding, Occurrence, VerifySpec, AwsVerifySpec, HttpVerifyRef } from '../types/index.js';

export type PairTier = 'same-blob' | 'same-commit' | 'same-scan';

export interface RankedPartner {
  finding: Finding;
  tier: PairTier;
  /** Line distance within the blob (0 for other tiers). */
  distance: number;
}

export interface AwsPairing {
  /** The access key id finding. */
  keyId: Finding;
  /** Secret access key candidates, best first (at most `maxCandidates`). */
  secrets: RankedPartner[];
  /** The nearest session token, if a session-token rule is linked. */
  sessionToken?: RankedPartner;
}

export interface PairingResult {
  pairings: AwsPairing[];
  /** Secret access key findings that no key id pairs with. */
  unpairedSecrets: Finding[];
  /** Session-token findings (reported, never verified alone). */
  sessionTokens: Finding[];
}

export type RuleVerifyLookup = ReadonlyMap<string, VerifySpec | HttpVerifyRef | undefined>;

function awsSpec(lookup: RuleVerifyLookup, ruleId: string): AwsVerifySpec | undefined {
  const s = lookup.get(ruleId);
  return s && s.kind === 'aws-sts' ? s : undefined;
}

function linked(idRule: string, idSpec: AwsVerifySpec, otherRule: string, otherSpec: AwsVerifySpec): boolean {
  return idSpec.pairWith === otherRule || otherSpec.pairWith === idRule;
}

const TIER_ORDER: Record<PairTier, number> = { 'same-blob': 0, 'same-commit': 1, 'same-scan': 2 };

/** Best (tier, distance) between any occurrence of `a` and any occurrence of `b`. */
export function proximity(a: readonly Occurrence[], b: readonly Occurrence[]): { tier: PairTier; distance: number } {
  let best: { tier: PairTier; distance: number } = { tier: 'same-scan', distance: 0 };
  for (const x of a) {
    for (const y of b) {
      if (x.blob !== undefined && x.blob === y.blob) {
        const d = Math.abs(x.line - y.line);
        if (best.tier !== 'same-blob' || d < best.distance) best = { tier: 'same-blob', distance: d };
      } else if (best.tier === 'same-scan' && x.commit !== undefined && x.commit === y.commit) {
        best = { tier: 'same-commit', distance: 0 };
      }
    }
  }
  return best;
}

function rank(idFinding: Finding, partners: readonly Finding[]): RankedPartner[] {
  return partners
    .map((f) => ({ finding: f, ...proximity(idFinding.occurrences, f.occurrences) }))
    .sort(
      (p, q) =>
        TIER_ORDER[p.tier] - TIER_ORDER[q.tier] ||
        p.distance - q.distance ||
        (p.finding.fingerprint < q.finding.fingerprint ? -1 : p.finding.fingerprint > q.finding.fingerprint ? 1 : 0),
    );
}

/**
 * Pair every access-key-id finding with its ranked secret candidates. `maxCandidates` bounds the number of STS calls
 * a single key id can cause (default 3).
 */
export function pairAwsFindings(findings: readonly Finding[], lookup: RuleVerifyLookup, maxCandidates = 3): PairingResult {
  const ids: Finding[] = [];
  const secrets: Finding[] = [];
  const tokens: Finding[] = [];
  for (const f of findings) {
    const s = awsSpec(lookup, f.ruleId);
    if (!s) continue;
    if (s.role === 'access-key-id') ids.push(f);
    else if (s.role === 'secret-access-key') secrets.push(f);
    else tokens.push(f);
  }
  const used = new Set<string>();
  const pairings: AwsPairing[] = [];
  for (const id of ids) {
    const idSpec = awsSpec(lookup, id.ruleId)!;
    const mySecrets = secrets.filter((s) => linked(id.ruleId, idSpec, s.ruleId, awsSpec(lookup, s.ruleId)!));
    const ranked = rank(id, mySecrets).slice(0, Math.max(0, maxCandidates));
    for (const r of ranked) used.add(r.finding.fingerprint);
    const secretRules = new Set(mySecrets.map((s) => s.ruleId));
    const myTokens = tokens.filter((t) => {
      const ts = awsSpec(lookup, t.ruleId)!;
      return ts.pairWith === id.ruleId || secretRules.has(ts.pairWith) || idSpec.pairWith === t.ruleId;
    });
    const token = rank(id, myTokens)[0];
    pairings.push({ keyId: id, secrets: ranked, ...(token ? { sessionToken: token } : {}) });
  }
  return { pairings, unpairedSecrets: secrets.filter((s) => !used.has(s.fingerprint)), sessionTokens: tokens };
}
