// The worker's scanner derives the keyword hits of a blob rebuilt from a delta from its base's hits
// (src/workers/read-unit.ts, hitsOf; src/matcher/aho.ts, derive). Whatever the order blobs are read in and whatever
// the delta cache holds, each blob's result must equal a plain scan of its bytes: checked here on a real repository
// whose files change a little in each of many commits (so `git gc --aggressive` stores them as delta chains), with
// secrets and keywords coming and going, lines moved, a non-ASCII file, a UTF-16 file and a binary one among them.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Matcher } from '../../src/matcher/index.js';
import { ObjectStore } from '../../src/sources/git/object-store.js';
import { UnitScanner } from '../../src/workers/read-unit.js';
import { cleanup, commitAll, git, initRepo, tempDir, write } from '../git/fixtures.js';
import { TOKENS, builtin } from '../helpers/rules.js';

afterAll(cleanup);

function history(): string {
  const dir = initRepo(join(tempDir('lh-derive-'), 'r'));
  const lines = Array.from({ length: 120 }, (_, i) => `const v${i} = process.env.API_KEY_${i} ?? 'token-${i}'; // password? no\n`);
  let rng = 7;
  const rand = (n: number): number => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) % n);
  const secrets = [`GITHUB_TOKEN=${TOKENS.ghp}\n`, `aws_access_key_id = ${TOKENS.akia}\naws_secret_access_key = ${TOKENS.awsSecret}\n`, `slack: ${TOKENS.xoxb}\n`, `STRIPE=${TOKENS.skLive}\n`];
  for (let c = 0; c < 40; c++) {
    // Edit a few lines, insert or delete one, sometimes a secret, sometimes move a block.
    for (let k = 0; k < 3; k++) lines[rand(lines.length)] = `let x${c}_${k} = "key ${c}"; token_${k}\n`;
    if (c % 3 === 0) lines.splice(rand(lines.length), 0, secrets[c % secrets.length]!);
    if (c % 4 === 1) lines.splice(rand(lines.length), 1);
    if (c % 7 === 3) lines.push(...lines.splice(rand(lines.length - 10), 10));
    write(dir, 'src/config.js', lines.join(''));
    write(dir, 'src/other.py', lines.slice(0, 60).reverse().join(''));
    write(dir, 'docs/naïve.md', `# Ünïcode ${c}\n` + lines.slice(0, 30).join(''));
    write(dir, 'data.bin', Buffer.concat([Buffer.from(`token ${c} `), Buffer.alloc(16), Buffer.from(lines.slice(0, 10).join(''))]));
    write(dir, 'win.txt', Buffer.from('\ufeff' + lines.slice(0, 20).join('').replace(/\n/g, '\r\n'), 'utf16le'));
    commitAll(dir, `change ${c}`);
  }
  git(dir, ['gc', '-q', '--aggressive']);
  return dir;
}

/** Every blob of a history, with a path. */
function blobsOf(dir: string): Array<{ oid: string; path: string }> {
  return git(dir, ['rev-list', '--objects', '--all'])
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((p) => p[1] !== undefined)
    .map((p) => ({ oid: p[0]!, path: p[1]! }))
    .filter((b) => git(dir, ['cat-file', '-t', b.oid]).trim() === 'blob');
}

describe('derived keyword hits', () => {
  let shared = '';
  const repo = (): string => (shared ||= history());

  it('a blob without keyword hits is skipped unread only when every rule has keywords', () => {
    const dir = repo();
    const objects = join(dir, '.git', 'objects');
    const { rules, allow } = builtin();
    const ghp = rules.find((r) => r.id === 'github.pat-classic')!;
    // A rule without keywords runs on every blob, hits or not; the other's keyword is nowhere.
    const set = [{ ...ghp, id: 'test.always', keywords: [] }, { ...ghp, id: 'test.never', keywords: ['zzzzqq'] }];
    const blobs = blobsOf(dir);
    const plain = new UnitScanner(new Matcher(set, { allow }), undefined, 96 << 20, false);
    const derived = new UnitScanner(new Matcher(set, { allow }), undefined, 96 << 20, true);
    let found = 0;
    for (const b of blobs) {
      const unit = { id: b.oid, gitBlob: { objectsDir: objects, oid: b.oid }, pathHint: b.path };
      const want = plain.scan(unit);
      found += want.matches.length;
      expect(derived.scan(unit), b.path).toEqual(want);
    }
    expect(found).toBeGreaterThan(0);
    plain.close();
    derived.close();
  });

  it('give every blob the result of a plain scan, in any reading order, and are used for most of them', () => {
    const dir = repo();
    const objects = join(dir, '.git', 'objects');
    const blobs = blobsOf(dir);
    expect(blobs.length).toBeGreaterThan(100);
    // The repository really is stored as deltas, and the store says which bytes each copied.
    const store = new ObjectStore(objects, { origins: true });
    expect(blobs.filter((b) => store.read(b.oid).origin !== null).length).toBeGreaterThan(blobs.length / 2);
    store.close();

    const { rules, allow } = builtin();
    const plain = new UnitScanner(new Matcher(rules, { allow }), undefined, 96 << 20, false);
    const want = new Map(blobs.map((b) => [b.oid, plain.scan({ id: b.oid, gitBlob: { objectsDir: objects, oid: b.oid }, pathHint: b.path })]));
    expect([...want.values()].some((r) => r.matches.length > 0)).toBe(true);
    plain.close();

    const orders = [blobs, [...blobs].reverse(), [...blobs].sort((a, b) => (a.oid < b.oid ? -1 : 1))];
    for (const [i, order] of orders.entries()) {
      for (const cacheBytes of [96 << 20, 64 << 10]) {
        const matcher = new Matcher(rules, { allow });
        let derived = 0;
        const derive = matcher.deriveHits.bind(matcher);
        matcher.deriveHits = (base, runs, length, slice) => (derived++, derive(base, runs, length, slice));
        const scanner = new UnitScanner(matcher, undefined, cacheBytes, true);
        for (const b of order) expect(scanner.scan({ id: b.oid, gitBlob: { objectsDir: objects, oid: b.oid }, pathHint: b.path }), `order ${i}, cache ${cacheBytes}, ${b.path}`).toEqual(want.get(b.oid));
        scanner.close();
        if (cacheBytes > 1 << 20) expect(derived, `order ${i}`).toBeGreaterThan(blobs.length / 3);
      }
    }
  });
});
