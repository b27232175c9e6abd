// GitLab secret-detection report (gl-secret-detection-report.json, `artifacts: reports: secret_detection`), schema
// 15.x: version, vulnerabilities, scan {analyzer, scanner, type, times, status}. The first identifier (our rule id)
// is the primary one GitLab tracks findings by; CWE-798 follows. Pure: returns a string.
// Secrets appear (raw_source_code_extract) only with --no-redact.
// May import: types, ./common, ./ci-common.
import type { Finding } from '../types/index.js';
import { type CiReportOptions, describeFinding, keyOf, rankFindings, ruleInfo, shortHash } from './ci-common.js';

export const GITLAB_REPORT_VERSION = '15.0.7';
const SEVERITY = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' } as const;

/** GitLab wants `YYYY-MM-DDTHH:MM:SS` (no fraction, no zone). */
function gitlabTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

function uuidFrom(hex: string): string {
  const h = hex.slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export function formatGitlab(findings: Finding[], o: CiReportOptions): string {
  const vulnerabilities: unknown[] = [];
  for (const f of rankFindings(findings, o)) {
    const info = ruleInfo(f, o);
    for (const occ of f.occurrences) {
      const commit: Record<string, string> = { sha: occ.commit ?? '0000000' };
      if (occ.author) commit.author = occ.author;
      if (occ.date) commit.date = occ.date;
      const v: Record<string, unknown> = {
        id: uuidFrom(shortHash('leakhound/gitlab', f.fingerprint, occ.path, String(occ.line), occ.commit ?? '')),
        name: info.name,
        description: describeFinding(f, occ, o),
        severity: f.verification?.status === 'valid' ? 'Critical' : SEVERITY[f.severity],
        solution: info.remediation,
        raw_source_code_extract: o.showSecrets ? f.secret : f.redacted,
        location: { file: occ.path, commit, start_line: occ.line, end_line: occ.endLine },
        identifiers: [
          { type: 'leakhound_rule_id', name: `leakhound rule ID ${f.ruleId}`, value: f.ruleId },
          { type: 'cwe', name: 'CWE-798', value: '798', url: 'https://cwe.mitre.org/data/definitions/798.html' },
        ],
      };
      if (info.references.length) v.links = info.references.slice(0, 10).map((url) => ({ url }));
      v.details = { fingerprint: { name: 'Fingerprint', type: 'text', value: keyOf(f, o) } };
      vulnerabilities.push(v);
    }
  }
  const tool = { id: 'leakhound', name: 'leakhound', url: 'https://github.com/leakhound/leakhound', vendor: { name: 'leakhound' }, version: o.toolVersion };
  const report = {
    version: GITLAB_REPORT_VERSION,
    vulnerabilities,
    remediations: [],
    scan: { analyzer: tool, scanner: tool, type: 'secret_detection', start_time: gitlabTime(o.now), end_time: gitlabTime(o.now), status: 'success' },
  };
  return JSON.stringify(report, null, 2) + '\n';
}

/** Job-log lines (GitLab has no annotation commands): `path:line:col: error: ...`, most important first. */
export function formatGitlabLog(findings: Finding[], o: CiReportOptions): string {
  const lines: string[] = [];
  for (const f of rankFindings(findings, o)) {
    const failing = o.failingSet === undefined || o.failingSet.has(f.fingerprint);
    for (const occ of f.occurrences) lines.push(`${occ.path}:${occ.line}:${occ.column}: ${failing ? 'error' : 'known'}: ${describeFinding(f, occ, o)} Fingerprint: ${keyOf(f, o)}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
