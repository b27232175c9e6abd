// SARIF 2.1.0 report for GitHub code scanning (and GitLab's SARIF ingestion). Pure: returns a string.
// Within GitHub's limits: ≤ 25,000 results per run (most important first), ≤ 10 locations per result (we use one:
// only the first is shown), ≤ 20 tags per rule; repository-relative URIs; our own stable
// partialFingerprints.primaryLocationLineHash (upload-sarif cannot hash historic or deleted files); CWE-798 tags so
// GitLab types the findings as secret detection. Secrets appear only with --no-redact, never in fingerprints.
// May import: types, ./common, ./ci-common.
import type { Finding } from '../types/index.js';
import { type CiReportOptions, describeFinding, keyOf, rankFindings, ruleInfo, shortHash } from './ci-common.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const MAX_SARIF_RESULTS = 25_000;
const INFO_URI = 'https://github.com/leakhound/leakhound';

const LEVEL = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' } as const;
const SECURITY_SEVERITY = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' } as const;

/** A repository-relative path as a URI reference (each segment percent-encoded). */
export function pathUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function formatSarif(findings: Finding[], o: CiReportOptions): string {
  const ranked = rankFindings(findings, o);
  const ruleIds = [...new Set(ranked.map((f) => f.ruleId))].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const byId = new Map(ranked.map((f) => [f.ruleId, f]));
  const rules = ruleIds.map((id) => {
    const info = ruleInfo(byId.get(id)!, o);
    const refs = info.references.length ? `\n\nReferences:\n${info.references.map((r) => `- ${r}`).join('\n')}` : '';
    const allow = 'If this is a false positive or a test value: add `leakhound:allow` in a comment on that line, or accept it in the baseline (`leakhound baseline accept <fingerprint> --reason "..."`).';
    const tags = [...new Set(['security', 'secret', 'external/cwe/cwe-798', ...info.tags])].slice(0, 20);
    return {
      id,
      name: info.name.slice(0, 255),
      shortDescription: { text: `${info.name} committed to the repository`.slice(0, 1024) },
      fullDescription: { text: `A ${info.name} was found in the repository. Anyone who can read the repository (or its history) can use it.`.slice(0, 1024) },
      help: {
        text: `Remediation: ${info.remediation}\nRemoving the secret from the code does not make it safe: it stays in git history. Rotate it first.\n${allow}${refs}`,
        markdown: `**Remediation:** ${info.remediation}\n\nRemoving the secret from the code does not make it safe: it stays in git history. Rotate it first.\n\n${allow}${refs}`,
      },
      defaultConfiguration: { level: LEVEL[info.severity] },
      properties: { tags, precision: 'high', 'security-severity': SECURITY_SEVERITY[info.severity] },
    };
  });
  const results: unknown[] = [];
  outer: for (const f of ranked) {
    for (const occ of f.occurrences) {
      if (results.length >= MAX_SARIF_RESULTS) break outer;
      const region: Record<string, number> = { startLine: Math.max(1, occ.line), startColumn: Math.max(1, occ.column), endLine: Math.max(1, occ.endLine), endColumn: Math.max(1, occ.endColumn + 1) };
      const result: Record<string, unknown> = {
        ruleId: f.ruleId,
        ruleIndex: ruleIndex.get(f.ruleId)!,
        level: f.verification?.status === 'valid' ? 'error' : LEVEL[f.severity],
        message: { text: describeFinding(f, occ, o) },
        locations: [{ physicalLocation: { artifactLocation: { uri: pathUri(occ.path), uriBaseId: '%SRCROOT%' }, region } }],
        // Content identity + path: stable across line moves and re-runs; never the secret itself.
        partialFingerprints: { primaryLocationLineHash: `${shortHash('leakhound/v1', f.fingerprint, occ.path).slice(0, 16)}:1`, 'leakhound/v1': keyOf(f, o) },
      };
      const props: Record<string, unknown> = { fingerprint: keyOf(f, o), redacted: f.redacted, status: f.status };
      if (occ.commit) props.commit = occ.commit;
      if (f.verification) props.verification = f.verification.status;
      if (o.classes?.has(f.fingerprint)) props.baseline = o.classes.get(f.fingerprint);
      result.properties = props;
      results.push(result);
    }
  }
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'leakhound', informationUri: INFO_URI, semanticVersion: o.toolVersion, version: o.toolVersion, rules } },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root' } } },
        results,
        columnKind: 'unicodeCodePoints',
        properties: { generatedAt: o.now },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
