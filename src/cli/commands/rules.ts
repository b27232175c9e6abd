// `leakhound rules list|check`.
import type { Argv } from 'yargs';
import { checkRules } from '../../rules/check.js';
import { parseRuleFile } from '../../rules/load.js';
import { EXIT, loadRulesFromArgs, ruleOptions } from '../shared.js';

export const command = 'rules <action> [files..]';
export const describe = 'List the rules, or check rule files (compile in RE2, prove backtracking safety, run examples)';

export function builder(y: Argv) {
  return ruleOptions(y)
    .positional('action', { choices: ['list', 'check'] as const, describe: 'list: show rules; check: validate rule files' })
    .positional('files', { type: 'string', array: true, describe: 'Rule files to check (default: every rule in use)' })
    .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' })
    .example('$0 rules list --format json', 'One object per rule: id, name, keywords, severity')
    .example('$0 rules check my-rules.yaml', 'Check your own rule file')
    .epilog('Exit codes: 0 ok, 1 a rule check failed, 2 usage error or unreadable/invalid rule file.');
}

export function handler(argv: Record<string, unknown>): number {
  const loaded = loadRulesFromArgs(argv, process.cwd());
  const files = (argv.files as string[] | undefined) ?? [];
  if (argv.action === 'list') {
    if (argv.format === 'json') {
      process.stdout.write(JSON.stringify(loaded.rules.map((r) => ({ id: r.id, name: r.name, keywords: r.keywords, severity: r.severity, tags: r.tags, verify: r.verify ? r.verify.kind : null, source: r.source.file.replace(/^.*\/patterns\//, 'patterns/') })), null, 2) + '\n');
    } else {
      for (const r of loaded.rules) process.stdout.write(`${r.id.padEnd(44)} ${r.severity.padEnd(9)} ${r.name}\n`);
      process.stdout.write(`${loaded.rules.length} rules\n`);
    }
    return EXIT.CLEAN;
  }
  const rules = files.length ? files.flatMap((f) => parseRuleFile(f).rules) : loaded.rules;
  const { reports, problems } = checkRules(rules, loaded.allow);
  if (argv.format === 'json') process.stdout.write(JSON.stringify({ rules: reports, problems }, null, 2) + '\n');
  else {
    for (const p of problems) process.stdout.write(`${p.file}:${p.line}: rule ${p.ruleId}: ${p.message}\n`);
    const v8 = reports.filter((r) => r.engine === 'v8').length;
    process.stdout.write(`${rules.length} rules checked: ${problems.length} problem(s); ${v8} proven safe for V8, ${reports.length - v8} on RE2\n`);
  }
  return problems.length ? EXIT.FINDINGS : EXIT.CLEAN;
}
