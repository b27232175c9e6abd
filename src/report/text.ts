// Text report: what a person reads in a terminal. Pure: returns a string.
// May import: types, ./common, picocolors.
import { createRequire } from 'node:module';
import type { Finding } from '../types/index.js';
import { type ReportOptions, location, shownSecret } from './common.js';

// Loaded on first use: importing picocolors probes process.stdout (~5 ms of a pre-commit hook that prints nothing).
let picocolors: typeof import('picocolors') | undefined;

export function formatText(findings: Finding[], o: ReportOptions): string {
  picocolors ??= createRequire(import.meta.url)('picocolors') as typeof import('picocolors');
  const c = picocolors.createColors(o.color ?? false);
  const lines: string[] = [];
  for (const f of findings) {
    const first = f.occurrences[0];
    const key = o.keys?.get(f.fingerprint) ?? f.fingerprint;
    lines.push(`${c.bold(c.red(f.ruleName))} ${c.dim(`[${f.ruleId}, ${f.severity}]`)}`);
    lines.push(`  secret:      ${shownSecret(f, o)}`);
    if (f.status !== 'present' || f.introducedIn.length) lines.push(`  status:      ${f.status}`);
    for (const occ of f.occurrences.slice(0, 10)) {
      const commit = occ.commit ? `  ${c.dim(`commit ${occ.commit.slice(0, 12)}${occ.introduced ? ' (introduced)' : ''}`)}` : '';
      lines.push(`  at:          ${c.cyan(location(occ))}${commit}`);
    }
    if (f.occurrences.length > 10) lines.push(`               … and ${f.occurrences.length - 10} more places`);
    for (const i of f.introducedIn) lines.push(`  introduced:  ${i.commit.slice(0, 12)} ${i.date} ${i.author} <${i.email}> ${JSON.stringify(i.subject)}`);
    for (const r of f.removedIn) lines.push(`  removed:     ${r.commit.slice(0, 12)} ${r.date} ${r.author} <${r.email}> ${JSON.stringify(r.subject)}`);
    if (f.atTips.length) lines.push(`  still at:    ${f.atTips.join(', ')}`);
    const cls = o.classes?.get(f.fingerprint);
    if (cls) lines.push(`  baseline:    ${cls}`);
    if (f.verification) lines.push(`  verified:    ${f.verification.status}${f.verification.detail ? ` (${f.verification.detail})` : ''}`);
    if (f.verification?.facts) lines.push(`               ${Object.entries(f.verification.facts).map(([k, v]) => `${k}: ${v}`).join(', ')}; checked ${f.verification.checkedAt}`);
    const rem = o.remediation?.get(f.ruleId);
    if (rem) lines.push(`  fix:         ${rem}`);
    if (f.status === 'history-only')
      lines.push(`               Deleting the file did not remove it: it is still in history. Rotate it first; rewriting history is optional after that.`);
    lines.push(`  fingerprint: ${key}`);
    if (first && !first.commit && first.path !== '<stdin>')
      lines.push(c.dim(`  false positive? add  # leakhound:allow  to the line, or: leakhound baseline accept ${key} --reason "..."`));
    lines.push('');
  }
  const n = findings.length;
  const sup = o.suppressed ? Object.entries(o.suppressed).filter(([, v]) => v > 0) : [];
  const stats = o.stats ? Object.entries(o.stats).map(([k, v]) => `${k}: ${v}`).join(', ') : '';
  const failing = o.failing ?? n;
  lines.push(n === 0 ? c.green('no leaks found') : c.red(`${n} leak${n === 1 ? '' : 's'} found`) + (o.failing !== undefined ? `, ${failing} new or failing` : ''));
  if (sup.length) lines.push(`suppressed by baseline: ${sup.map(([k, v]) => `${v} ${k}`).join(', ')}`);
  if (stats) lines.push(c.dim(stats));
  return lines.join('\n') + '\n';
}
