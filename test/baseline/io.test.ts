import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeakhoundError } from '../../src/errors/index.js';
import { acquireLock, createBaseline, load, merge, save, serialize, update, type Baseline } from '../../src/baseline/index.js';
import { AWS_SECRET, GH_TOKEN, finding, tempDir } from './helpers.js';

const NOW = '2025-03-01T12:00:00Z';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LeakhoundError ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}
function errorOf(fn: () => unknown): LeakhoundError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LeakhoundError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

function withOne(): Baseline {
  return merge(createBaseline(), [finding('aws.secret-key', AWS_SECRET)], { now: NOW, scope: 'full' }).baseline;
}

describe('baseline IO', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());
  const file = (): string => {
    const t = tempDir();
    cleanup = t.cleanup;
    return join(t.dir, '.leakhound-baseline.json');
  };

  it('save then load round-trips; no temp or lock files are left behind', () => {
    const f = file();
    const b = withOne();
    save(f, b);
    expect(load(f)).toEqual(b);
    expect(readdirSync(join(f, '..'))).toEqual(['.leakhound-baseline.json']);
  });

  it('a missing file is E_BASELINE_NOT_FOUND', () => {
    expect(code(() => load(file()))).toBe('E_BASELINE_NOT_FOUND');
  });

  const cases: Array<[string, (good: string) => string, string, RegExp]> = [
    ['truncated', (g) => g.slice(0, Math.floor(g.length / 2)), 'E_BASELINE_CORRUPT', /not valid JSON at line \d+, column \d+: .*truncated/],
    ['empty', () => '', 'E_BASELINE_CORRUPT', /empty/],
    ['garbage', (g) => g.replace('"entries": {', '"entries": {,'), 'E_BASELINE_CORRUPT', /not valid JSON at line \d+, column \d+: expected a string key/],
    ['schema-invalid', (g) => g.replace('"state": "open"', '"state": "ignored"'), 'E_BASELINE_CORRUPT', /\/entries\/aws\.secret-key:[0-9a-f]{16}\/triage\/state: must be one of/],
    [
      'detect-secrets',
      () => JSON.stringify({ version: '1.5.0', plugins_used: [], results: {}, generated_at: '2021-04-15T17:02:50Z' }, null, 2),
      'E_BASELINE_FOREIGN',
      /detect-secrets/,
    ],
    ['gitleaks report', () => JSON.stringify([{ RuleID: 'aws-access-token', Secret: 'x' }]), 'E_BASELINE_FOREIGN', /gitleaks JSON report/],
    ['other tool', () => '{"tool": "othertool", "version": 1}', 'E_BASELINE_FOREIGN', /"othertool"/],
    ['newer version', (g) => g.replace('"version": 1', '"version": 2'), 'E_BASELINE_FOREIGN', /version 2 is newer/],
  ];
  for (const [name, mangle, errCode, message] of cases) {
    it(`a ${name} file is rejected (${errCode}) naming the file and the problem, and is never overwritten`, async () => {
      const f = file();
      const bad = mangle(serialize(withOne()));
      writeFileSync(f, bad);
      const before = readFileSync(f);
      const e = errorOf(() => load(f));
      expect(e.code).toBe(errCode);
      expect(e.message.startsWith(f + ': ')).toBe(true);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain(AWS_SECRET);
      // save over it: refused
      expect(code(() => save(f, withOne()))).toBe(errCode);
      // read-modify-write over it: refused before anything runs
      let ran = false;
      await expect(update(f, (b) => ((ran = true), { baseline: b }), { create: true })).rejects.toMatchObject({ code: errCode });
      expect(ran).toBe(false);
      expect(readFileSync(f).equals(before)).toBe(true);
      expect(readdirSync(join(f, '..'))).toEqual(['.leakhound-baseline.json']);
    });
  }

  it('a second writer in the same process fails with E_BASELINE_LOCKED', async () => {
    const f = file();
    save(f, withOne());
    const lock = acquireLock(f);
    const before = readFileSync(f);
    expect(code(() => save(f, createBaseline()))).toBe('E_BASELINE_LOCKED');
    lock.release();
    expect(readFileSync(f).equals(before)).toBe(true);
    // two concurrent read-modify-write updates: the second fails cleanly, the first one's change is kept
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = update(f, async (b) => {
      await gate;
      return merge(b, [finding('github.pat', GH_TOKEN)], { now: NOW, scope: 'partial' });
    });
    await expect(update(f, (b) => ({ baseline: b }))).rejects.toMatchObject({ code: 'E_BASELINE_LOCKED' });
    release();
    const r = await first;
    expect(r.written).toBe(true);
    expect(Object.keys(load(f).entries)).toHaveLength(2);
    expect(existsSync(`${f}.lock`)).toBe(false);
  });

  it('a lock held by another live process blocks; once that process is dead the stale lock is taken over', async () => {
    const f = file();
    save(f, withOne());
    // Another leakhound holding the lock: the lock protocol is the file (O_EXCL create, JSON with pid/host).
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs'),os=require('os');` +
          `const fd=fs.openSync(process.argv[1]+'.lock','wx');` +
          `fs.writeSync(fd,JSON.stringify({pid:process.pid,host:os.hostname(),at:new Date().toISOString()}));fs.closeSync(fd);` +
          `process.stdout.write('locked\\n');setInterval(()=>{},1000);`,
        f,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    try {
      const e = errorOf(() => save(f, createBaseline()));
      expect(e.code).toBe('E_BASELINE_LOCKED');
      expect(e.message).toContain(`pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(existsSync(`${f}.lock`)).toBe(true); // left behind by the killed process
    const b = withOne();
    expect(save(f, b).written).toBe(true);
    expect(load(f)).toEqual(b);
    expect(existsSync(`${f}.lock`)).toBe(false);
  });
});
