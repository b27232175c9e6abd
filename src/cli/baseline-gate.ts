// `--baseline` for audit/scan/protect/ci: which findings fail the run, which are suppressed and why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BASELINE_FILE, classify, load, prepareIdentities } from '../baseline/index.js';
import { LeakhoundError } from '../errors/index.js';
import type { Finding } from '../types/index.js';

export interface Gate {
  /** Findings to show: all of them (known ones are listed too, with their baseline key and class). */
  reported: Finding[];
  /** Baseline class by fingerprint (new, known-open, accepted, ...) and the reason line. */
  classes: Map<string, string>;
  failing: number;
  suppressed: Record<string, number>;
  keys: Map<string, string>;
}

/** Resolves --baseline (explicit, or the default file at the repository root if it exists). */
export function baselinePath(argv: Record<string, unknown>, root: string): string | undefined {
  if (typeof argv.baseline === 'string') {
    if (!existsSync(argv.baseline)) throw new LeakhoundError('E_BASELINE_NOT_FOUND', `baseline file not found: ${argv.baseline} (create one with \`leakhound baseline create\`)`);
    return argv.baseline;
  }
  const def = join(root, DEFAULT_BASELINE_FILE);
  return existsSync(def) ? def : undefined;
}

export async function applyBaseline(argv: Record<string, unknown>, root: string, findings: Finding[], now = new Date()): Promise<Gate | undefined> {
  const path = baselinePath(argv, root);
  if (!path) return undefined;
  const b = load(path);
  await prepareIdentities(b, findings.map((f) => f.secret));
  const c = classify(b, findings, now);
  const keys = new Map(c.items.map((i) => [i.finding.fingerprint, i.key]));
  const suppressed: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.suppressed.byClass)) if (v > 0) suppressed[k] = v;
  const classes = new Map(c.items.map((i) => [i.finding.fingerprint, `${i.class}${i.fails ? ' (fails the run)' : ''}: ${i.reason}`]));
  return { reported: findings, failing: c.failing.length, suppressed, keys, classes };
}
