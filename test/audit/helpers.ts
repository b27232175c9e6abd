// Helpers for the audit tests: a small fixed rule set (so other engineers' work-in-progress rule files cannot
// change what these tests see), runAudit with it, and the CLI with the same rules.
// Repositories are built with the git CLI through test/git/fixtures.ts (fixed dates and identities).
import { join } from 'node:path';
import { runAudit, type AuditOptions, type AuditResult } from '../../src/pipeline/audit.js';
import { parseDefaultsFile, parseRuleFile, type LoadedRules } from '../../src/rules/load.js';
import type { Finding } from '../../src/types/index.js';
import { ROOT, runCli, type CliResult } from '../helpers/cli.js';

const RULE_FILES = ['github.yaml', 'aws.yaml', 'slack.yaml', 'stripe.yaml'];

let loaded: LoadedRules | undefined;
export function auditRules(): LoadedRules {
  if (!loaded) {
    const seen = new Map<string, string>();
    const rules = RULE_FILES.flatMap((f) => parseRuleFile(join(ROOT, 'patterns', f), undefined, seen).rules);
    const allow = parseDefaultsFile(join(ROOT, 'patterns', '_defaults.yaml'));
    loaded = {
      rules,
      allow,
      config: { useDefaultRules: true, ruleFiles: [], disabledRules: [], enableOnly: [], allow: { paths: [], stopwords: [], regexes: [], secrets: [] }, exclude: [] },
    };
  }
  return loaded;
}

export function audit(repo: string, o: Omit<AuditOptions, 'repo'> = {}): Promise<AuditResult> {
  return runAudit(auditRules(), { threads: 1, ...o, repo });
}

/** The CLI on a repository (the built binary, as a user runs it). */
export function cli(args: string[]): CliResult {
  return runCli(['audit', '--no-progress', ...args]);
}

export interface JsonReport {
  findings: Array<Finding & { secret?: string }>;
  stats?: Record<string, unknown>;
}

export function cliJson(args: string[]): { r: CliResult; json: JsonReport } {
  const r = cli([...args, '--format', 'json']);
  let json: JsonReport;
  try {
    json = JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { r, json };
}

export function bySecret(findings: Finding[], secret: string): Finding | undefined {
  return findings.find((f) => f.secret === secret);
}

export function commitsOf(refs: Array<{ commit: string }>): string[] {
  return refs.map((c) => c.commit);
}
