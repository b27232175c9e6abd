// The built-in rules cache (dist/rules.json) must give exactly what loading patterns/ gives, and must be ignored
// as soon as patterns/ or the code that produced it changes.
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, appendFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/matcher/regex/parse.js';
import { analyze } from '../../src/matcher/regex/safety.js';
import { CODE_INPUTS, cacheKey, readBuiltinCache, writeBuiltinCache } from '../../src/rules/cache.js';
import { BUILTIN_PATTERNS_DIR, PACKAGE_ROOT, loadBuiltin } from '../../src/rules/load.js';

const tmp = mkdtempSync(join(tmpdir(), 'lh-rcache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A private package root: patterns/ and the code inputs copied, so the test never races the real dist/.
function fakeRoot(): { root: string; patterns: string } {
  const root = mkdtempSync(join(tmp, 'root-'));
  cpSync(BUILTIN_PATTERNS_DIR, join(root, 'patterns'), { recursive: true });
  for (const f of CODE_INPUTS) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), `// stand-in for ${f}\n`);
  }
  return { root, patterns: join(root, 'patterns') };
}

describe('built-in rules cache', () => {
  const fresh = loadBuiltin(BUILTIN_PATTERNS_DIR, false);

  it('round-trips the parsed rules and allowlist, with source paths rebased', () => {
    const { root, patterns } = fakeRoot();
    const input = { files: fresh.files.map((f) => ({ ...f, file: join(patterns, f.file.slice(BUILTIN_PATTERNS_DIR.length + 1)) })), allow: fresh.allow };
    expect(writeBuiltinCache(root, patterns, input)).toBe(join(root, 'dist/rules.json'));
    const got = readBuiltinCache(root, patterns);
    expect(got).toBeDefined();
    expect(got!.allow).toEqual(fresh.allow);
    expect(got!.files.map((f) => f.rules.map((r) => ({ ...r, source: r.source.line })))).toEqual(
      fresh.files.map((f) => f.rules.map((r) => ({ ...r, source: r.source.line }))),
    );
    expect(got!.files[0]!.rules[0]!.source.file).toBe(got!.files[0]!.file);
    expect(got!.files[0]!.file.startsWith(patterns)).toBe(true);
  });

  it('stores the safety verdict the analyzer gives for every pattern (Infinity kept)', () => {
    const { root, patterns } = fakeRoot();
    writeBuiltinCache(root, patterns, fresh);
    const data = JSON.parse(readFileSync(join(root, 'dist/rules.json'), 'utf8')) as { verdicts: Record<string, { engine: string; costPerStart: number | null }> };
    for (const r of fresh.files.flatMap((f) => f.rules).slice(0, 25)) {
      const p = parsePattern(r.pattern, r.flags);
      const v = analyze(p.ast, p.flags.i);
      const c = data.verdicts[`${r.flags}/${r.pattern}`]!;
      expect(c.engine).toBe(v.engine);
      expect(c.costPerStart ?? Infinity).toBe(v.costPerStart);
    }
  });

  it('is ignored when a pattern file or a code input changes, or when disabled', () => {
    const { root, patterns } = fakeRoot();
    writeBuiltinCache(root, patterns, fresh);
    const k0 = cacheKey(root, patterns);
    expect(readBuiltinCache(root, patterns)).toBeDefined();
    process.env.LEAKHOUND_NO_RULES_CACHE = '1';
    try {
      expect(readBuiltinCache(root, patterns)).toBeUndefined();
    } finally {
      delete process.env.LEAKHOUND_NO_RULES_CACHE;
    }
    appendFileSync(join(root, 'dist/src/matcher/regex/safety.js'), '// changed\n');
    expect(cacheKey(root, patterns)).not.toBe(k0);
    expect(readBuiltinCache(root, patterns)).toBeUndefined();
    writeBuiltinCache(root, patterns, fresh);
    expect(readBuiltinCache(root, patterns)).toBeDefined();
    writeFileSync(join(patterns, 'zz-new.yaml'), 'provider: x\nrules: []\n');
    expect(readBuiltinCache(root, patterns)).toBeUndefined();
  });

  it('size and mtime stamps: a rewritten but identical file keeps the cache (hash), a same-size edit drops it', () => {
    const { root, patterns } = fakeRoot();
    writeBuiltinCache(root, patterns, fresh);
    const file = join(patterns, 'aws.yaml');
    const text = readFileSync(file, 'utf8');
    const later = new Date(Date.now() + 60_000);
    writeFileSync(file, text);
    utimesSync(file, later, later);
    expect(readBuiltinCache(root, patterns)).toBeDefined();
    // Same length, one character different, new mtime: the stamps differ and so does the hash.
    const i = text.indexOf('severity: critical');
    writeFileSync(file, `${text.slice(0, i)}severity: criticaL${text.slice(i + 18)}`);
    utimesSync(file, new Date(later.getTime() + 60_000), new Date(later.getTime() + 60_000));
    expect(readFileSync(file).length).toBe(Buffer.byteLength(text));
    expect(readBuiltinCache(root, patterns)).toBeUndefined();
  });

  it('is not written when the build outputs are missing', () => {
    const root = mkdtempSync(join(tmp, 'nobuild-'));
    expect(writeBuiltinCache(root, BUILTIN_PATTERNS_DIR, fresh)).toBeUndefined();
    expect(PACKAGE_ROOT).toBeTruthy();
  });
});
