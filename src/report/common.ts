// Shared report helpers. Pure.
// May import: types.
import type { Finding, Occurrence } from '../types/index.js';

export interface ReportOptions {
  /** Print secrets in clear (the user passed --no-redact). */
  showSecrets: boolean;
  color?: boolean;
  /** Remediation lines by rule id. */
  remediation?: Map<string, string>;
  /** Findings suppressed by a baseline, by reason, for the summary. */
  suppressed?: Record<string, number>;
  /** Free-form summary facts (files scanned, bytes, time, skipped counts). */
  stats?: Record<string, number | string>;
  /** Baseline keys by fingerprint, when a baseline is in use. */
  keys?: Map<string, string>;
  /** With a baseline: how many findings fail the run. */
  failing?: number;
  /** Baseline classification line by fingerprint, when a baseline is in use. */
  classes?: Map<string, string>;
}

export function shownSecret(f: Finding, o: ReportOptions): string {
  return o.showSecrets ? f.secret : f.redacted;
}

export function location(o: Occurrence): string {
  return `${o.path}:${o.line}:${o.column}`;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity);
}
