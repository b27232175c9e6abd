// Helpers shared by the CI reporters (SARIF, GitHub workflow commands, GitLab). Pure.
// Owns: which findings count most (the order annotations are spent in), rule metadata for reports, stable hashes.
// May import: types, ./common, node:crypto (hashing only).
import { createHash } from 'node:crypto';
import type { Finding, Occurrence, RuleSpec, Severity } from '../types/index.js';
import type { ReportOptions } from './common.js';

/** What CI reporters need to know about a rule. */
export type RuleInfo = Pick<RuleSpec, 'id' | 'name' | 'severity' | 'remediation' | 'references' | 'tags'>;

export interface CiReportOptions extends ReportOptions {
  /** Rule metadata by id (help text, references, tags). */
  rules?: Map<string, RuleInfo>;
  toolVersion: string;
  /** Report time (ISO 8601); fixed in golden tests (SOURCE_DATE_EPOCH). */
  now: string;
  /** Fingerprints of findings that fail the run (new w.r.t. the baseline); all findings when absent. */
  failingSet?: Set<string>;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Verified-valid first, then failing (new) ones, then by severity, then by path and line: the annotation budget order. */
export function rankFindings(findings: Finding[], o: CiReportOptions): Finding[] {
  const fails = (f: Finding): number => (o.failingSet === undefined || o.failingSet.has(f.fingerprint) ? 0 : 1);
  const valid = (f: Finding): number => (f.verification?.status === 'valid' ? 0 : 1);
  return [...findings].sort((a, b) => {
    const d = valid(a) - valid(b) || fails(a) - fails(b) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
    if (d) return d;
    const pa = a.occurrences[0], pb = b.occurrences[0];
    const ka = pa ? `${pa.path}\0${String(pa.line).padStart(9, '0')}` : '';
    const kb = pb ? `${pb.path}\0${String(pb.line).padStart(9, '0')}` : '';
    return ka < kb ? -1 : ka > kb ? 1 : a.fingerprint < b.fingerprint ? -1 : 1;
  });
}

export function ruleInfo(f: Finding, o: CiReportOptions): RuleInfo {
  return o.rules?.get(f.ruleId) ?? { id: f.ruleId, name: f.ruleName, severity: f.severity, remediation: o.remediation?.get(f.ruleId) ?? 'Revoke and rotate the credential.', references: [], tags: [] };
}

export function shortHash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** The commit an occurrence came in with, when known. */
export function commitOf(occ: Occurrence): string | undefined {
  return occ.commit;
}

export function keyOf(f: Finding, o: ReportOptions): string {
  return o.keys?.get(f.fingerprint) ?? f.fingerprint;
}

/** One-line description used in annotations and messages. Never the secret unless showSecrets. */
export function describeFinding(f: Finding, occ: Occurrence, o: CiReportOptions): string {
  const secret = o.showSecrets ? f.secret : f.redacted;
  const commit = occ.commit ? ` (commit ${occ.commit.slice(0, 12)}${occ.author ? ` by ${occ.author}` : ''})` : '';
  const verified = f.verification ? ` Verified: ${f.verification.status}.` : '';
  return `${f.ruleName} ${secret} at ${occ.path}:${occ.line}${commit}.${verified} ${ruleInfo(f, o).remediation}`;
}
