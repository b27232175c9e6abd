// Findings: raw matches + provenance -> one finding per distinct secret per rule.
// Owns: the unsalted content fingerprint, redaction, and grouping for non-history sources (files, stdin, staged).
// History attribution (introduced / removed / at tips) lives in ./history.ts.
// May import: types, node:crypto.
import type { Finding, Occurrence, Provenance, RawMatch, RuleSpec } from '../types/index.js';

/** Content identity of a secret for a rule: never positional. The baseline keys it again with its own salt. */
export function fingerprint(ruleId: string, secret: string): string {
  // node:crypto is fetched on first use: loading it costs ~4 ms of every start-up, and most runs find nothing.
  return `${ruleId}:${process.getBuiltinModule('node:crypto').createHash('sha256').update(ruleId).update('\0').update(secret).digest('hex').slice(0, 16)}`;
}

/** Shows enough to recognise a secret (its first characters, capped at a quarter) and never enough to use it. */
export function redact(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(Math.max(secret.length, 4));
  const show = Math.min(6, Math.floor(secret.length / 4));
  return secret.slice(0, show) + '*'.repeat(Math.min(secret.length - show, 12));
}

export function occurrenceOf(m: RawMatch, prov: Provenance): Occurrence {
  const path =
    prov.kind === 'commit' || prov.kind === 'file' || prov.kind === 'staged'
      ? prov.path
      : prov.kind === 'commit-message'
        ? '<commit message>'
        : prov.kind === 'tag-message'
          ? '<tag message>'
          : prov.kind === 'stdin'
            ? '<stdin>'
            : `<unreachable blob ${prov.blob}>`;
  const o: Occurrence = { path, line: m.line, column: m.column, endLine: m.endLine, endColumn: m.endColumn };
  if (prov.kind === 'commit' || prov.kind === 'staged' || prov.kind === 'unreachable-blob') o.blob = prov.blob;
  if (prov.kind === 'commit' || prov.kind === 'commit-message') {
    o.commit = prov.commit;
    o.author = prov.author;
    o.email = prov.email;
    o.date = prov.date;
  }
  return o;
}

/** A finding with no provenance yet: identity, rule facts and the redacted form. */
export function newFinding(fp: string, ruleId: string, secret: string, entropy: number, rule: RuleSpec | undefined): Finding {
  return {
    fingerprint: fp,
    ruleId,
    ruleName: rule?.name ?? ruleId,
    severity: rule?.severity ?? 'high',
    secret,
    redacted: redact(secret),
    entropy: Math.round(entropy * 1000) / 1000,
    occurrences: [],
    introducedIn: [],
    removedIn: [],
    atTips: [],
    status: 'present',
  };
}

/** Groups matches from files/stdin/staged units into findings, in order of first appearance. */
export function groupMatches(items: Array<{ match: RawMatch; prov: Provenance }>, rules: Map<string, RuleSpec>): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const { match, prov } of items) {
    const fp = fingerprint(match.ruleId, match.secret);
    let f = byKey.get(fp);
    if (!f) {
      f = newFinding(fp, match.ruleId, match.secret, match.entropy, rules.get(match.ruleId));
      if (Object.keys(match.groups).length) f.groups = match.groups;
      byKey.set(fp, f);
    }
    f.occurrences.push(occurrenceOf(match, prov));
  }
  return [...byKey.values()];
}
