// What the audit reads and how: the blob set against git's own, packed and loose repositories giving the same
// report, encodings and odd files (CRLF, UTF-16, a 100 KB minified line, binary, oversize, symlink, gitlink,
// Git LFS pointer).
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRichRepo, cleanup, commitAll, git, gitReachableBlobs, initRepo, tempDir, write } from '../git/fixtures.js';
import { TOKENS } from '../helpers/rules.js';
import { audit, bySecret, cli, cliJson } from './helpers.js';

afterAll(cleanup);

/** The rich git-layer fixture plus a few secrets, in history and at tips. */
function buildSecretRich(dir: string): void {
  buildRichRepo(dir);
  git(dir, ['checkout', '-q', '-b', 'secrets', 'main~3']);
  write(dir, 'deploy/keys.env', `AWS_ACCESS_KEY_ID=${TOKENS.akia}\nAWS_SECRET_ACCESS_KEY=${TOKENS.awsSecret}\n`);
  commitAll(dir, 'deploy keys');
  write(dir, 'deploy/keys.env', 'moved to the vault\n');
  write(dir, 'src/slack.js', `const t = '${TOKENS.xoxb}';\n`);
  commitAll(dir, 'rotate');
  git(dir, ['checkout', '-q', 'main']);
}

describe('the blobs the audit reads', () => {
  let dir = '';
  beforeAll(() => {
    dir = join(tempDir('lh-audit-'), 'rich');
    buildSecretRich(dir);
  }, 60_000);

  it('are exactly the blobs of git rev-list --objects --all (with the stash reflog), each once', async () => {
    const seen: string[] = [];
    const res = await audit(dir, { onBlob: (oid) => seen.push(oid) });
    expect(res.errors).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);
    // Symlink targets are blobs to git but are not read (not followed, not scanned): compare without them.
    const symlinkBlobs = new Set(
      git(dir, ['log', '--all', '--raw', '--no-abbrev', '--format=', ...['-c']])
        .split('\n')
        .filter((l) => /^:+\d+ (\d+ )*120000 /.test(l))
        .map((l) => l.split(' ').filter((x) => /^[0-9a-f]{40}$/.test(x)).pop() ?? ''),
    );
    const expected = [...gitReachableBlobs(dir)].filter((b) => !symlinkBlobs.has(b));
    expect(symlinkBlobs.size).toBeGreaterThan(0);
    expect([...seen].sort()).toEqual(expected.sort());
    expect(res.stats.symlinks).toBe(symlinkBlobs.size);
    expect(res.stats.submodules).toBe(1);
  });

  it('a packed (git gc) copy gives exactly the same report as the loose repository', async () => {
    const packed = join(tempDir('lh-audit-'), 'packed');
    cpSync(dir, packed, { recursive: true });
    git(packed, ['gc', '-q', '--prune=now']);
    git(packed, ['repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=50']);
    const loose = await audit(dir);
    const gc = await audit(packed);
    expect(gc.errors).toEqual([]);
    expect(gc.findings.length).toBeGreaterThanOrEqual(3);
    expect(gc.findings).toEqual(loose.findings);
    const { ms: _a, ...ls } = loose.stats;
    const { ms: _b, ...gs } = gc.stats;
    expect(gs).toEqual(ls);
    const aws = bySecret(gc.findings, TOKENS.akia);
    expect(aws?.status).toBe('history-only');
    expect(bySecret(gc.findings, TOKENS.xoxb)?.atTips).toEqual(['refs/heads/secrets']);
    // Packs held whole in shared memory (the default) and read through the block caches (packMemory 0), with
    // worker threads reading blobs from the shared copy: the same findings.
    const viaBlocks = await audit(packed, { packMemory: 0, threads: 2 });
    const viaShared = await audit(packed, { threads: 2 });
    expect(viaShared.findings).toEqual(viaBlocks.findings);
    expect(viaShared.findings).toEqual(gc.findings);
  });

  it('runs the same with worker threads as on the main thread', async () => {
    const a = await audit(dir, { threads: 0 });
    const b = await audit(dir, { threads: 2 });
    expect(b.findings).toEqual(a.findings);
  });
});

describe('encodings and odd files', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'crlf.txt', `first\r\nsecond\r\n  token: ${TOKENS.ghp}\r\n`);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`line one\nline two\n    key=${TOKENS.akia}\n`, 'utf16le')]);
  write(dir, 'utf16.txt', utf16);
  const minified = 'var a=1;'.repeat(12_500) + `var s="${TOKENS.skLive}";` + 'var b=2;'.repeat(100);
  write(dir, 'app.min.js', minified);
  const bin = Buffer.alloc(4096);
  bin.write(`\0\0\x01binary ${TOKENS.xoxb}`, 0, 'latin1');
  write(dir, 'image.bin', bin);
  write(dir, 'big.txt', 'x'.repeat(300_000) + `\naws_secret_access_key = ${TOKENS.awsSecret}\n`);
  symlinkSync('/etc/passwd', join(dir, 'link-out'));
  write(
    dir,
    'assets/video.mp4',
    'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n',
  );
  commitAll(dir, 'odd files');
  git(dir, ['update-index', '--add', '--cacheinfo', `160000,${'cd'.repeat(20)},vendor/lib`]);
  git(dir, ['commit', '-q', '-m', 'submodule']);

  it('positions are right in CRLF, UTF-16 and a 100 KB minified line', async () => {
    const res = await audit(dir);
    const crlf = bySecret(res.findings, TOKENS.ghp)?.occurrences[0];
    expect(crlf).toMatchObject({ path: 'crlf.txt', line: 3, column: 10, endLine: 3, endColumn: 9 + TOKENS.ghp.length });
    const u16 = bySecret(res.findings, TOKENS.akia)?.occurrences[0];
    expect(u16).toMatchObject({ path: 'utf16.txt', line: 3, column: 9 });
    const min = bySecret(res.findings, TOKENS.skLive)?.occurrences[0];
    expect(min).toMatchObject({ path: 'app.min.js', line: 1, column: 100_000 + 8 });
  });

  it('binary skipped and counted, symlink not followed, gitlink and LFS pointer counted', async () => {
    const res = await audit(dir);
    expect(bySecret(res.findings, TOKENS.xoxb)).toBeUndefined();
    expect(res.stats.binary).toBe(1);
    expect(res.stats.symlinks).toBe(1);
    expect(res.stats.submodules).toBe(1);
    expect(res.stats.lfsPointers).toBe(1);
    expect(res.findings.some((f) => f.occurrences.some((o) => o.path === 'link-out'))).toBe(false);
    expect(res.errors).toEqual([]);
  });

  it('--max-file-size skips (and counts) larger blobs', async () => {
    const all = await audit(dir);
    expect(bySecret(all.findings, TOKENS.awsSecret)).toBeDefined();
    expect(all.stats.tooLarge).toBe(0);
    const small = await audit(dir, { maxFileSize: 200_000 });
    expect(bySecret(small.findings, TOKENS.awsSecret)).toBeUndefined();
    expect(small.stats.tooLarge).toBe(1);
    expect(bySecret(small.findings, TOKENS.skLive)).toBeDefined();
    const { r, json } = cliJson([dir, '--max-file-size', '200KB']);
    expect(r.code).toBe(1);
    expect(json.stats?.['too large skipped']).toBe(1);
    expect(json.stats?.['submodule entries skipped']).toBe(1);
    expect(json.stats?.['LFS pointers']).toBe(1);
    expect(json.stats?.['binary skipped']).toBe(1);
  });

  it('--pack-memory: 0 reads packs through the caches, with the same findings; a bad size is a usage error', () => {
    const packed = join(tempDir('lh-audit-'), 'packed');
    cpSync(dir, packed, { recursive: true });
    git(packed, ['gc', '-q', '--prune=now']);
    const whole = cliJson([packed]);
    const cached = cliJson([packed, '--pack-memory', '0']);
    expect(cached.r.code).toBe(whole.r.code);
    expect(cached.json.findings).toEqual(whole.json.findings);
    const bad = cli([packed, '--pack-memory', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--pack-memory');
  });
});
