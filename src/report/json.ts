// JSON and JSON Lines reports. Pure: return strings.
// May import: types, ./common.
import type { Finding } from '../types/index.js';
import type { ReportOptions } from './common.js';

function findingObject(f: Finding, o: ReportOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ruleId: f.ruleId,
    ruleName: f.ruleName,
    severity: f.severity,
    fingerprint: o.keys?.get(f.fingerprint) ?? f.fingerprint,
    redacted: f.redacted,
    entropy: f.entropy,
    status: f.status,
    occurrences: f.occurrences,
    introducedIn: f.introducedIn,
    removedIn: f.removedIn,
    atTips: f.atTips,
  };
  if (f.verification) out.verification = f.verification;
  if (o.showSecrets) {
    out.secret = f.secret;
    // Named groups pair a secret with its context (e.g. an account id) for `leakhound verify --report`.
    if (f.groups && Object.keys(f.groups).length) out.groups = f.groups;
  }
  return out;
}

/** The grouped findings, one object per distinct secret per rule. */
export function formatJson(findings: Finding[], o: ReportOptions): string {
  return JSON.stringify({ findings: findings.map((f) => findingObject(f, o)), ...(o.stats ? { stats: o.stats } : {}), ...(o.suppressed ? { suppressed: o.suppressed } : {}) }, null, 2) + '\n';
}

/** One flat object per occurrence. */
export function formatJsonl(findings: Finding[], o: ReportOptions): string {
  const lines: string[] = [];
  for (const f of findings) {
    for (const occ of f.occurrences) {
      const row: Record<string, unknown> = {
        ruleId: f.ruleId,
        ruleName: f.ruleName,
        fingerprint: o.keys?.get(f.fingerprint) ?? f.fingerprint,
        path: occ.path,
        line: occ.line,
        column: occ.column,
        endLine: occ.endLine,
        endColumn: occ.endColumn,
      };
      if (occ.commit !== undefined) {
        row.commit = occ.commit;
        row.author = occ.author;
        row.email = occ.email;
        row.date = occ.date;
        row.introduced = occ.introduced ?? false;
      }
      row.status = f.status;
      row.redacted = f.redacted;
      if (f.verification) row.verification = f.verification;
      if (o.showSecrets) row.secret = f.secret;
      lines.push(JSON.stringify(row));
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
