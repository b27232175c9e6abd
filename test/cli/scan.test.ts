// The built CLI, run as a user would: exit codes, formats, redaction, clear errors.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, runCli } from '../helpers/cli.js';
import { TOKENS } from '../helpers/rules.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-scan-'));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

describe('leakhound scan', () => {
  it('finds secrets in a directory, redacts them, exits 1', () => {
    const dir = tree({ 'src/a.js': `const t = "${TOKENS.ghp}";\n`, 'README.md': 'nothing here\n' });
    const r = runCli(['scan', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('src/a.js:1:12');
    expect(r.stdout).toContain('github.pat-classic');
    expect(r.stdout).not.toContain(TOKENS.ghp);
    expect(r.stdout).toContain('1 leak found');
  });

  it('exits 0 on a clean tree', () => {
    const r = runCli(['scan', '.'], { cwd: tree({ 'a.txt': 'hello\n' }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no leaks found');
  });

  it('honours .gitignore and --exclude', () => {
    const dir = tree({ '.gitignore': 'secret.env\n', 'secret.env': `T=${TOKENS.ghp}\n`, 'vendor/x.js': `T=${TOKENS.ghp}\n` });
    expect(runCli(['scan', '.', '--exclude', 'vendor/**'], { cwd: dir }).code).toBe(0);
    expect(runCli(['scan', '.', '--no-gitignore', '--exclude', 'vendor/**'], { cwd: dir }).code).toBe(1);
  });

  it('json and jsonl carry the documented fields; the secret only with --no-redact', () => {
    const dir = tree({ 'k.env': `GITHUB_TOKEN=${TOKENS.ghp}\n` });
    const jl = runCli(['scan', 'k.env', '--format', 'jsonl'], { cwd: dir });
    const row = JSON.parse(jl.stdout.trim()) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(expect.arrayContaining(['ruleId', 'ruleName', 'path', 'line', 'column', 'endLine', 'endColumn', 'fingerprint', 'redacted']));
    expect(row.secret).toBeUndefined();
    expect(row).toMatchObject({ path: 'k.env', line: 1, column: 14, endColumn: 13 + TOKENS.ghp.length });
    const clear = JSON.parse(runCli(['scan', 'k.env', '--format', 'jsonl', '--no-redact'], { cwd: dir }).stdout.trim()) as Record<string, unknown>;
    expect(clear.secret).toBe(TOKENS.ghp);
    const js = JSON.parse(runCli(['scan', 'k.env', '--format', 'json'], { cwd: dir }).stdout) as { findings: unknown[] };
    expect(js.findings).toHaveLength(1);
    expect(JSON.stringify(js)).not.toContain(TOKENS.ghp);
  });

  it('reads stdin with -', () => {
    const r = runCli(['scan', '-', '--format', 'jsonl'], { input: `x ${TOKENS.ghp}\n` });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ path: '<stdin>', line: 1, column: 3 });
  });

  it('writes --output atomically and prints nothing on stdout', () => {
    const dir = tree({ 'a.js': TOKENS.ghp });
    const r = runCli(['scan', 'a.js', '--format', 'json', '--output', 'out.json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).findings).toHaveLength(1);
  });

  it('skips binary and too-large files and counts them', () => {
    const dir = tree({ 'big.txt': `${TOKENS.ghp}\n${'x'.repeat(5000)}` });
    writeFileSync(join(dir, 'bin.dat'), Buffer.concat([Buffer.from([0, 0, 1]), Buffer.from(TOKENS.ghp)]));
    const r = runCli(['scan', '.', '--max-file-size', '1KB'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/binary skipped: 1/);
    expect(r.stdout).toMatch(/too large skipped: 1/);
  });

  it('bad input gets one clear line and exit 2, never a stack trace', () => {
    const missing = runCli(['scan', 'no/such/path']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('leakhound: error: no such file or directory: no/such/path');
    const flag = runCli(['scan', '.', '--format', 'xml']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).not.toMatch(/\n\s+at /);
    const dir = tree({ 'bad.yaml': 'provider: X\nrules:\n  - id: x.bad\n    name: bad\n    pattern: "a(?=b)"\n    remediation: r\n' });
    const rule = runCli(['scan', '.', '--rules', 'bad.yaml'], { cwd: dir });
    expect(rule.code).toBe(2);
    expect(rule.stderr).toMatch(/bad\.yaml:5: rule x\.bad: pattern: lookahead is not supported/);
    const cfg = tree({ '.leakhound.toml': 'disabledRules = "x"\n' });
    const c = runCli(['scan', '.'], { cwd: cfg });
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/\.leakhound\.toml:1: disabledRules: must be a list of strings/);
  });

  it('config: disable rules, extra allowlist', () => {
    const dir = tree({ '.leakhound.toml': 'disabledRules = ["github"]\n', 'a.js': TOKENS.ghp });
    expect(runCli(['scan', '.'], { cwd: dir }).code).toBe(0);
    const dir2 = tree({ '.leakhound.toml': '[allowlist]\npaths = ["fixtures/**"]\n', 'fixtures/a.js': TOKENS.ghp });
    expect(runCli(['scan', '.'], { cwd: dir2 }).code).toBe(0);
  });

  it('--no-default-rules runs only the rules given (yargs .strict() once rejected it as unknown)', () => {
    const dir = tree({
      'a.js': TOKENS.ghp,
      'mine.yaml': 'provider: acme\nrules:\n  - id: acme.key\n    name: Acme key\n    pattern: acme_[0-9a-f]{16}\n    keywords: [acme_]\n    severity: high\n    remediation: Revoke it in the Acme console.\n    examples: ["acme_0123456789abcdef"]\n',
      'b.js': 'k = "acme_89abcdef01234567"\n',
    });
    const r = runCli(['scan', '.', '--no-default-rules', '--rules', 'mine.yaml', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    // The GitHub token in a.js is not reported: only acme.key ran (on b.js and on its own example in mine.yaml).
    expect([...new Set((JSON.parse(r.stdout) as { findings: Array<{ ruleId: string }> }).findings.map((f) => f.ruleId))]).toEqual(['acme.key']);
    expect(runCli(['protect', '--no-default-rules', 'a.js'], { cwd: dir }).code).toBe(0);
  });
});

describe('leakhound rules', () => {
  it('list --format json gives one object per rule', () => {
    const r = runCli(['rules', 'list', '--format', 'json']);
    const rules = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rules.length).toBeGreaterThan(10);
    expect(Object.keys(rules[0]!)).toEqual(expect.arrayContaining(['id', 'name', 'keywords', 'severity']));
  });
  it('check runs every example and fails on a broken rule file', () => {
    expect(runCli(['rules', 'check']).code).toBe(0);
    const dir = tree({ 'mine.yaml': 'provider: Me\nrules:\n  - id: me.token\n    name: token\n    pattern: "\\\\b(me_[a-z]{10})\\\\b"\n    keywords: [me_]\n    remediation: rotate\n    examples: ["me_abcdefghij"]\n    negative_examples: ["me_abcdefghij"]\n' });
    const r = runCli(['rules', 'check', 'mine.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mine\.yaml:3: rule me\.token: negative example 1 is reported/);
  });
  it('a reader that closes the pipe early (| head) ends the run quietly, no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'rules', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--help and --version work', () => {
    expect(runCli(['--help']).stdout).toMatch(/Exit codes: 0 no leaks found, 1 leaks found, 2/);
    expect(runCli(['scan', '--help']).stdout).toMatch(/--max-file-size/);
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
