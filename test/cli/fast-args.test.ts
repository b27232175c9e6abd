// The pre-commit fast path's argument parser (src/cli/fast-args.ts) against yargs itself: for random argument
// vectors built from protect's options (valid, invalid, aliases, negations, unknown options, help), whatever the fast
// parser accepts must give exactly the argv yargs gives for every key the handler reads; anything it declines falls
// back to yargs, so declining is always safe.
import fc from 'fast-check';
import yargs from 'yargs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateBin as makePrivateBin, runCli } from '../helpers/cli.js';
import * as audit from '../../src/cli/commands/audit.js';
import * as protect from '../../src/cli/commands/protect.js';
import { parseSimple } from '../../src/cli/fast-args.js';

/** Private copies of the bundled CLI made by the code-cache tests, removed at the end (also when a test fails). */
const copies: Array<ReturnType<typeof makePrivateBin>> = [];
const privateBin = (): ReturnType<typeof makePrivateBin> => {
  const c = makePrivateBin();
  copies.push(c);
  return c;
};
afterAll(() => {
  for (const c of copies.splice(0)) c.remove();
});

const KEYS = ['files', 'baseline', 'format', 'output', 'redact', 'color', 'verbose', 'inlineAllow', 'maxFileSize', 'config', 'defaultRules', 'rules', 'disableRule', 'enableRule'];

async function viaYargs(args: string[], cmd: { command: string; describe: string; builder: typeof protect.builder | typeof audit.builder } = protect, name = 'protect'): Promise<Record<string, unknown> | null> {
  try {
    return (await yargs([name, ...args])
      .command(cmd.command, cmd.describe, cmd.builder as typeof protect.builder)
      .strict()
      .help()
      .version(false)
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const pick = (a: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(KEYS.map((k) => [k, a[k]]));

/** Random vectors of `tokens`: whatever the fast parser accepts, yargs accepts with the same values for `keep`'s keys. */
async function agreesWithYargs(
  tokens: string[],
  cmd: typeof protect | typeof audit,
  name: string,
  keep: (a: Record<string, unknown>) => Record<string, unknown>,
  seed: number,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...tokens), { maxLength: 6 }), async (args) => {
      const fast = parseSimple(args, cmd.options, cmd.positional);
      if (fast === null) return;
      const y = await viaYargs(args, cmd, name);
      expect(y, `yargs rejected what the fast path accepted: ${JSON.stringify(args)}`).not.toBeNull();
      expect(keep(fast), JSON.stringify(args)).toEqual(keep(y!));
    }),
    { numRuns: 400, seed },
  );
}

const TOKENS = [
  '--baseline', 'b.json', '-b', '--baseline=x.json', '--format', 'json', 'jsonl', 'xml', '-f', '--format=text', '--no-redact', '--redact',
  '--verbose', '-v', '--no-color', '--color', '--inline-allow', '--no-inline-allow', '--max-file-size', '10MB', '--output', 'out.txt', '-o',
  'a.txt', 'dir/b.ts', '--config', 'c.toml', '-c', '--no-default-rules', '--unknown', '-vb', '--', 'true', 'false', '--help', '--rules',
  'r.yaml', '--disable-rule', 'generic', '-', '--no-verbose', '--no-such', '-x', '--max-file-size=1KB', 'x=y.txt',
];

describe('protect fast-path arguments', () => {
  it('the plain forms parse exactly as yargs parses them', async () => {
    for (const args of [
      [],
      ['a.txt', 'dir/b.ts'],
      ['--baseline', 'b.json', '--format', 'json', 'a.txt'],
      ['-b', 'b.json', '-f', 'jsonl', '-v', '--no-redact', '--no-color'],
      ['--no-inline-allow', '--max-file-size', '10MB', '--output=out.txt'],
      ['--no-default-rules', '-c', 'c.toml', 'x.ts'],
    ]) {
      const fast = parseSimple(args, protect.options, protect.positional);
      expect(fast, args.join(' ')).not.toBeNull();
      const y = await viaYargs(args);
      expect(pick(fast!), args.join(' ')).toEqual(pick(y!));
    }
  });

  it('declines what it does not handle (help, unknown options, arrays, bundles, bad choices)', () => {
    for (const args of [['--help'], ['-h'], ['--unknown'], ['--rules', 'r.yaml'], ['-vb'], ['--format', 'xml'], ['--', 'a'], ['--baseline'], ['--verbose', 'false'], ['-b', 'x', '-b', 'y']]) {
      expect(parseSimple(args, protect.options, protect.positional), args.join(' ')).toBeNull();
    }
  });

  it('whatever it accepts, yargs accepts with the same values (random vectors)', async () => {
    await agreesWithYargs(TOKENS, protect, 'protect', pick, 4242);
  });

  it('the bundled CLI: protect with plain arguments runs the small bundle, anything else falls back to the full CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-fast-'));
    // Its own copy of the bundles: the caches it checks are written by no other test's CLI runs.
    const own = privateBin();
    const run = (args: string[], o: { cwd: string }): ReturnType<typeof runCli> => runCli(args, { ...o, bin: own.bin });
    writeFileSync(join(dir, 'a.txt'), 'nothing to see\n');
    expect(run(['protect', 'a.txt'], { cwd: dir }).code).toBe(0);
    const help = run(['protect', '--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('leakhound protect [files..]');
    const bad = run(['protect', '--bogus', 'a.txt'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown argument: bogus');
    // Each bundle's code cache is written once and then used: later runs behave the same.
    const caches = readdirSync(own.dist).filter((f) => f.endsWith('.v8cache'));
    expect(caches.some((f) => f.startsWith('.leakhound-protect.'))).toBe(true);
    expect(caches.some((f) => f.startsWith('.leakhound-core.'))).toBe(true);
    expect(run(['protect', 'a.txt'], { cwd: dir }).code).toBe(0);
    expect(run(['protect', '--bogus'], { cwd: dir }).code).toBe(2);
    // A damaged cache is rejected by V8 and written again; the run is unaffected.
    const core = join(own.dist, caches.find((f) => f.startsWith('.leakhound-core.'))!);
    writeFileSync(core, 'not a code cache');
    const v = run(['--version'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(statSync(core).size).toBeGreaterThan(1000);
  });

  it('the bundled CLI: audit runs its matcher workers from their own bundle, whose code cache the workers write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-wbundle-'));
    const git = (...a: string[]): string => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    // A real-looking key in history (a worker must have matched it) and one blob without secrets.
    writeFileSync(join(dir, 'config.py'), `aws_access_key_id = AKIA${'JF64WQMM'}COYZLZLP\n`);
    writeFileSync(join(dir, 'readme.txt'), 'nothing here\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'one');
    const own = privateBin();
    const run = (args: string[], o: { cwd?: string } = {}): ReturnType<typeof runCli> => runCli(args, { ...o, bin: own.bin });
    const workerCaches = (): string[] => readdirSync(own.dist).filter((f) => f.startsWith('.leakhound-worker.') && f.endsWith('.v8cache'));
    // The copy starts without caches.
    expect(workerCaches()).toHaveLength(0);
    const first = run(['audit', dir, '--format', 'jsonl', '--no-progress', '--threads', '1', '--enable-rule', 'aws']);
    expect(first.stderr).not.toContain('Error');
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('"ruleId":"aws.access-key-id"');
    // Written by the worker as the pool closed it (a terminated worker runs no exit handler).
    expect(workerCaches()).toHaveLength(1);
    expect(statSync(join(own.dist, workerCaches()[0]!)).size).toBeGreaterThan(1000);
    // With the cache in place, the same findings; and V8 accepts the caches (the loader sets a V8 flag before
    // compiling anything, and caches record the flags): a run that found them rejected would write them again.
    const caches = (): Array<[string, number]> =>
      readdirSync(own.dist)
        .filter((f) => f.endsWith('.v8cache'))
        .map((f): [string, number] => [f, statSync(join(own.dist, f)).mtimeMs])
        .sort();
    // protect's bundle gets its cache too, then every cache stays as it is.
    expect(run(['protect', 'readme.txt'], { cwd: dir }).code).toBe(0);
    const before = caches();
    expect(before).toHaveLength(3);
    const second = run(['audit', dir, '--format', 'jsonl', '--no-progress', '--threads', '1', '--enable-rule', 'aws']);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe(first.stdout);
    expect(run(['protect', 'readme.txt'], { cwd: dir }).code).toBe(0);
    expect(caches()).toEqual(before);
  });
});

const AUDIT_KEYS = ['repo', ...Object.keys(audit.options).map((k) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()))];
const pickAudit = (a: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(AUDIT_KEYS.map((k) => [k, a[k]]));
const AUDIT_TOKENS = [
  '../repo', '.', 'other', '--format', 'json', 'jsonl', 'sarif', '-f', '--output', 'o.json', '-o', '--no-redact', '--no-progress', '--progress',
  '--unreachable', '--no-messages', '--since-commit', 'abc123', '--range', 'A..B', '--max-file-size', '1MB', '--pack-memory=0', '--baseline',
  'b.json', '--full', '--no-inline-allow', '--verify', '--verify-dry-run', '--verify-timeout', '10s', '--aws-region', 'eu-west-1', '--threads',
  '2', '--ref', 'main', '--branch', '--color', '--no-color', '--help', '--version', '--bogus', '-x', '--', 'true', '-', '--config', 'c.toml',
];

describe('audit fast-path arguments', () => {
  it('the plain forms parse exactly as yargs parses them', async () => {
    for (const args of [
      [],
      ['../repo'],
      ['--format', 'json', '-o', 'a.json', '--no-progress', '.'],
      ['--unreachable', '--no-messages', '--range', 'A..B', '--max-file-size', '1MB'],
      ['--verify', '--verify-timeout=10s', '--aws-region', 'eu-west-1', '--no-redact', 'r'],
      ['--baseline', 'b.json', '--full', '--pack-memory', '0', '--no-inline-allow'],
    ]) {
      const fast = parseSimple(args, audit.options, audit.positional);
      expect(fast, args.join(' ')).not.toBeNull();
      expect(pickAudit(fast!), args.join(' ')).toEqual(pickAudit((await viaYargs(args, audit, 'audit'))!));
    }
  });

  it('declines what it does not handle (help, numbers, arrays, two repositories, unknown options)', () => {
    for (const args of [['--help'], ['--threads', '2'], ['--ref', 'main'], ['a', 'b'], ['--bogus'], ['-'], ['--format', 'sarif'], ['--', 'x']]) {
      expect(parseSimple(args, audit.options, audit.positional), args.join(' ')).toBeNull();
    }
  });

  it('whatever it accepts, yargs accepts with the same values (random vectors)', async () => {
    await agreesWithYargs(AUDIT_TOKENS, audit, 'audit', pickAudit, 4343);
  });

  it('the bundled CLI runs a plain audit without loading yargs, and gives yargs the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-fastaudit-'));
    execFileSync('git', ['-C', dir, 'init', '-q', '-b', 'main']);
    writeFileSync(join(dir, 'a.txt'), 'nothing to see\n');
    execFileSync('git', ['-C', dir, 'add', '.']);
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'one']);
    // NODE_DEBUG=esm names every ES module Node loads: yargs is the CLI's only one.
    const plain = runCli(['audit', dir, '--no-progress', '--format', 'json'], { env: { NODE_DEBUG: 'esm' } });
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout.slice(plain.stdout.indexOf('{')))).toMatchObject({ findings: [] });
    expect(plain.stderr).not.toContain('yargs');
    const withRef = runCli(['audit', dir, '--no-progress', '--ref', 'main'], { env: { NODE_DEBUG: 'esm' } });
    expect(withRef.code).toBe(0);
    expect(withRef.stderr).toContain('yargs');
    const bad = runCli(['audit', dir, '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown argument: bogus');
    const help = runCli(['audit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('leakhound audit [repo]');
    expect(help.stdout).toContain('--verify-dry-run');
  });
});
