// GitHub Actions output: workflow-command annotations for the most important findings, and a Markdown step summary.
// Pure: returns strings; the CLI prints the commands and appends the summary to $GITHUB_STEP_SUMMARY.
// The runner shows at most 10 error annotations per step: those go to the findings that matter most (verified,
// new, most severe); every other finding is still printed as a log line and listed in the summary.
// Escaping is exactly @actions/core's (data: % \r \n; properties also : and ,). With --no-redact, every secret is
// registered with ::add-mask:: before anything that could print it.
// May import: types, ./common, ./ci-common.
import type { Finding } from '../types/index.js';
import { type CiReportOptions, describeFinding, keyOf, rankFindings } from './ci-common.js';

export const MAX_ANNOTATIONS = 10;
/** Summary size budget (GitHub's limit is 1 MiB per step). */
export const MAX_SUMMARY_BYTES = 900 * 1024;

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(cmd: string, props: Record<string, string | number | undefined>, message: string): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${cmd}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

/** Workflow commands and log lines for the job log. */
export function formatGithub(findings: Finding[], o: CiReportOptions): string {
  const lines: string[] = [];
  if (o.showSecrets) for (const f of findings) for (const w of f.secret.split(/\s+/)) if (w) lines.push(`::add-mask::${escapeData(w)}`);
  const ranked = rankFindings(findings, o);
  let annotated = 0;
  let logged = 0;
  for (const f of ranked) {
    const failing = o.failingSet === undefined || o.failingSet.has(f.fingerprint);
    for (const occ of f.occurrences) {
      const msg = `${describeFinding(f, occ, o)} Fingerprint: ${keyOf(f, o)}`;
      if (failing && annotated < MAX_ANNOTATIONS) {
        annotated++;
        const sameLine = occ.line === occ.endLine;
        lines.push(
          workflowCommand(
            'error',
            {
              file: occ.path,
              line: occ.line,
              endLine: occ.endLine,
              // The checks API accepts columns only for single-line annotations.
              col: sameLine ? occ.column : undefined,
              endColumn: sameLine ? occ.endColumn + 1 : undefined,
              title: `leakhound: ${f.ruleName}`.slice(0, 255),
            },
            msg,
          ),
        );
      } else {
        logged++;
        lines.push(`${failing ? 'error' : 'known'}: ${occ.path}:${occ.line}:${occ.column}: ${msg}`);
      }
    }
  }
  if (logged && annotated >= MAX_ANNOTATIONS) lines.push(workflowCommand('notice', { title: 'leakhound' }, `${logged} more finding(s) are listed in the log above and in the job summary.`));
  return lines.length ? lines.join('\n') + '\n' : '';
}

const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/`/g, "'");

/** The Markdown table for $GITHUB_STEP_SUMMARY (all findings, within the size budget). */
export function formatGithubSummary(findings: Finding[], o: CiReportOptions & { title?: string }): string {
  const ranked = rankFindings(findings, o);
  const failing = o.failingSet === undefined ? findings.length : findings.filter((f) => o.failingSet!.has(f.fingerprint)).length;
  const head = [
    `## ${o.title ?? 'leakhound'}`,
    '',
    findings.length === 0
      ? 'No secrets found.'
      : `**${failing} finding(s) fail the check**${findings.length > failing ? `, ${findings.length - failing} known to the baseline` : ''}. Rotate each secret first (it stays in git history), then remove it.`,
    '',
  ];
  if (o.suppressed && Object.keys(o.suppressed).length) head.push(`Suppressed by the baseline: ${Object.entries(o.suppressed).map(([k, v]) => `${v} ${k}`).join(', ')}`, '');
  if (!findings.length) return head.join('\n') + '\n';
  const rows = ['| | Severity | Rule | Location | Commit | Secret | Fingerprint |', '|---|---|---|---|---|---|---|'];
  let size = Buffer.byteLength(head.join('\n') + rows.join('\n'));
  let omitted = 0;
  for (const f of ranked) {
    const mark = o.failingSet === undefined || o.failingSet.has(f.fingerprint) ? '❌' : '➖';
    for (const occ of f.occurrences) {
      const row = `| ${mark} | ${f.severity} | ${cell(f.ruleName)} | \`${cell(`${occ.path}:${occ.line}`)}\` | ${occ.commit ? `\`${occ.commit.slice(0, 12)}\`` : ''} | \`${cell(o.showSecrets ? f.secret : f.redacted)}\` | \`${cell(keyOf(f, o))}\` |`;
      const b = Buffer.byteLength(row) + 1;
      if (size + b > MAX_SUMMARY_BYTES) {
        omitted++;
        continue;
      }
      size += b;
      rows.push(row);
    }
  }
  if (omitted) rows.push('', `… and ${omitted} more (the summary is limited to 1 MiB: see the job log or the SARIF report).`);
  return head.join('\n') + '\n' + rows.join('\n') + '\n';
}
