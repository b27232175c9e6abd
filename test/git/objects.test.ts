// The object store against `git cat-file --batch`: every object, byte for byte, loose and packed (with OFS_DELTA
// chains and REF_DELTA), plus header reads, the oid iterator and the coded errors for missing / corrupt objects.
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLeakhoundError } from '../../src/errors/index.js';
import { ObjectStore, listRefs, openRepository, walkHistory } from '../../src/sources/git/index.js';
import { useInflateSource } from '../../src/sources/git/inflate.js';
import { fillShared, sharedPackList } from '../../src/sources/git/pack.js';
import { buildRichRepo, cleanup, git, gitBuf, tempDir } from './fixtures.js';

let base = '';
beforeAll(() => {
  base = join(tempDir(), 'rich');
  buildRichRepo(base);
}, 60_000);
afterAll(cleanup);

/** Parses `git cat-file --batch-all-objects --batch` into oid -> {type, data}. */
function gitAllObjects(dir: string): Map<string, { type: string; data: Buffer }> {
  const out = gitBuf(dir, ['cat-file', '--batch-all-objects', '--batch']);
  const map = new Map<string, { type: string; data: Buffer }>();
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(10, pos);
    const [oid, type, size] = out.toString('latin1', pos, nl).split(' ');
    const n = Number(size);
    map.set(oid ?? '', { type: type ?? '', data: out.subarray(nl + 1, nl + 1 + n) });
    pos = nl + 1 + n + 1;
  }
  return map;
}

function packOf(dir: string): string {
  const packDir = join(dir, '.git', 'objects', 'pack');
  const name = readdirSync(packDir).find((n) => n.endsWith('.pack'));
  if (name === undefined) throw new Error('no pack');
  return join(packDir, name);
}

describe.each([
  ['loose', (_d: string) => {}],
  ['packed with deep OFS_DELTA chains', (d: string) => git(d, ['repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=50'])],
  ['packed with REF_DELTA', (d: string) => {
    // pack-objects without --delta-base-offset writes REF_DELTA entries.
    git(d, ['-c', 'repack.usedeltabaseoffset=false', 'repack', '-q', '-a', '-d', '-f', '--depth=20'])
  }],
  ['half packed, half loose', (d: string) => {
    git(d, ['repack', '-q', '-d']);
    git(d, ['commit', '-q', '--allow-empty', '-m', 'after the pack']);
  }],
  // Entries of different packs share offsets (every pack's first entry is at 12): the caches' keys must keep the
  // packs apart (the pack with the most objects is keyed by bare offset, the others apart from it).
  ['in three packs, with deltas in each', (d: string) => {
    git(d, ['repack', '-q', '-a', '-d', '-f']);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 6; i++) {
        writeFileSync(join(d, `grow-${i}.txt`), `${'line of text that repeats\n'.repeat(40 + round * 7 + i)}round ${round}\n`);
        git(d, ['add', '-A']);
        git(d, ['commit', '-q', '-m', `grow ${round}.${i}`]);
      }
      git(d, ['repack', '-q', '-d', '--depth=10']);
    }
  }],
])('ObjectStore on a %s repository', (name, prep) => {
  let dir = '';
  beforeAll(() => {
    dir = join(tempDir(), name.replace(/\W+/g, '-'));
    cpSync(base, dir, { recursive: true });
    prep(dir);
  }, 60_000);

  it('reads every object exactly as git cat-file --batch does', () => {
    const expected = gitAllObjects(dir);
    const { store } = openRepository(dir);
    const ours = new Set(store.allOids());
    expect([...ours].sort()).toEqual([...expected.keys()].sort());
    for (const [oid, e] of expected) {
      const o = store.read(oid);
      expect(o.type).toBe(e.type);
      expect(o.data.equals(e.data)).toBe(true);
      expect(store.readHeader(oid)).toEqual({ type: e.type, size: e.data.length });
    }
    // In storage order too (exercises the delta-base cache the other way round).
    for (const oid of store.sortByLocation(expected.keys())) expect(store.read(oid).data.equals(expected.get(oid)?.data ?? Buffer.alloc(0))).toBe(true);
    store.close();
  });

  it('reads every object the same through the public zlib API (a Node without the zlib internals)', () => {
    const expected = gitAllObjects(dir);
    useInflateSource('public');
    try {
      const { store } = openRepository(dir);
      for (const [oid, e] of expected) expect(store.read(oid).data.equals(e.data)).toBe(true);
      for (const [oid, e] of expected) expect(store.readHeader(oid)).toEqual({ type: e.type, size: e.data.length });
      store.close();
    } finally {
      useInflateSource(null);
    }
  });

  it('packs shared unfilled read the same before, while and after another thread fills them, then switch to memory', () => {
    const expected = gitAllObjects(dir);
    const { store, repo } = openRepository(dir);
    const packs = store.loadPacks(1 << 30, true);
    expect(packs.length).toBe(store.packs.length);
    // A store that adopts them while they fill (another worker) reads them the same way.
    const other = new ObjectStore(repo.objectsDir);
    const readAll = (): void => {
      for (const [oid, e] of expected) {
        expect(store.read(oid, false).data.equals(e.data)).toBe(true);
        expect(other.read(oid, false).data.equals(e.data)).toBe(true);
      }
    };
    const blockReads = (): number => store.packs.reduce((n, p) => n + p.io.reads, 0);
    readAll(); // nothing filled: every packed read goes through the block cache
    expect(blockReads() > 0).toBe(store.packs.length > 0);
    // Fill the first half only: the bytes there must be the file's (a reader may use them from now on).
    for (const p of packs) fillShared(p, 0, Math.floor(p.size / 2));
    for (const p of packs) expect(Buffer.from(p.data).subarray(0, Math.floor(p.size / 2)).equals(readFileSync(p.path).subarray(0, Math.floor(p.size / 2)))).toBe(true);
    readAll();
    for (const p of packs) fillShared(p, Math.floor(p.size / 2));
    readAll(); // the first read after the fill switches the packs to their memory
    const after = blockReads();
    // Offsets sorted by the block reads (as a long walk's descent does) must not be searched once in memory.
    for (const p of store.packs) {
      p.index.sortedOffsets();
      p.index.nextOffsetCalls = 0;
    }
    readAll();
    expect(blockReads()).toBe(after);
    for (const p of store.packs) expect(p.index.nextOffsetCalls).toBe(0);
    for (const p of store.packs) expect(p.shared).toBeDefined();
    store.close();
    other.close();
    expect(sharedPackList()).toEqual([]);
  });

  it('packs loaded whole into shared memory read the same, another store adopts them, and close releases them', () => {
    const expected = gitAllObjects(dir);
    const { store, repo } = openRepository(dir);
    const packs = store.loadPacks(1 << 30);
    expect(packs.length).toBe(store.packs.length);
    for (const p of packs) expect(p.data.byteLength).toBe(statSync(p.path).size);
    // A second store (as a worker thread builds one) finds the shared bytes by path and reads nothing itself.
    const other = new ObjectStore(repo.objectsDir);
    for (const [oid, e] of expected) {
      expect(store.read(oid).data.equals(e.data)).toBe(true);
      expect(other.read(oid).data.equals(e.data)).toBe(true);
    }
    for (const p of other.packs) expect(p.io.reads).toBe(0);
    store.close();
    other.close();
    expect(sharedPackList()).toEqual([]);
    // A budget smaller than any pack loads nothing.
    const third = openRepository(dir).store;
    expect(third.loadPacks(10)).toEqual([]);
    third.close();
  });

  it('with recycled blob memory, every blob read is right until the next read, in any order and under a tiny cache', () => {
    const expected = gitAllObjects(dir);
    const oids = [...expected.keys()];
    const { repo } = openRepository(dir);
    // 64 KiB of cache: blobs are dropped (and their slabs reused) all the time, while others are still cached bases.
    for (const order of [oids, [...oids].reverse(), oids.filter((_, i) => i % 2 === 0).concat(oids.filter((_, i) => i % 2 === 1))]) {
      const store = new ObjectStore(repo.objectsDir, { recycleBlobs: true, verify: true, deltaCacheBytes: 64 * 1024 });
      for (let round = 0; round < 2; round++) for (const oid of order) expect(store.read(oid).data.equals(expected.get(oid)!.data), oid).toBe(true);
      store.close();
    }
  });

  it('verifies hashes when asked', () => {
    const { repo } = openRepository(dir);
    const store = new ObjectStore(repo.objectsDir, { verify: true, deltaCacheBytes: 64 * 1024 });
    for (const oid of store.allOids()) store.read(oid);
  });
});

describe('delta chains are really there', () => {
  it('the deep repack uses OFS_DELTA chains deeper than 10', () => {
    const dir = join(tempDir(), 'deep');
    cpSync(base, dir, { recursive: true });
    git(dir, ['repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=50']);
    const pack = packOf(dir);
    const verify = git(dir, ['verify-pack', '-v', pack.replace(/\.pack$/, '.idx')]);
    const depths = [...verify.matchAll(/^chain length = (\d+):/gm)].map((m) => Number(m[1]));
    expect(Math.max(...depths)).toBeGreaterThan(10);
  });
});

describe('coded errors', () => {
  it('E_OBJECT_MISSING names the oid', () => {
    const { store } = openRepository(base);
    try {
      store.read('0123456789012345678901234567890123456789');
      expect.unreachable();
    } catch (e) {
      expect(isLeakhoundError(e) && e.code).toBe('E_OBJECT_MISSING');
      expect(isLeakhoundError(e) && e.data['oid']).toBe('0123456789012345678901234567890123456789');
    }
  });

  it('a corrupt loose object is E_OBJECT_CORRUPT with its oid and path, and the walk goes on', () => {
    const dir = join(tempDir(), 'corrupt-loose');
    cpSync(base, dir, { recursive: true });
    const oid = git(dir, ['rev-parse', 'HEAD:src/config.txt']).trim();
    const p = join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    writeFileSync(p, Buffer.concat([readFileSync(p).subarray(0, 20), Buffer.from('garbage')]));
    const { repo, store } = openRepository(dir);
    expect(() => store.read(oid)).toThrowError(new RegExp(oid));
    try {
      store.read(oid);
    } catch (e) {
      expect(isLeakhoundError(e) && e.code).toBe('E_OBJECT_CORRUPT');
      expect(isLeakhoundError(e) && e.data['path']).toBe(p);
    }
    // A loose object whose header lies about its size.
    const other = git(dir, ['rev-parse', 'HEAD:README.md']).trim();
    writeFileSync(join(dir, '.git', 'objects', other.slice(0, 2), other.slice(2)), deflateSync(Buffer.from('blob 999\0short')));
    expect(() => store.read(other)).toThrowError(/corrupt/);
    // Trees whose blobs are corrupt still walk: blob errors are the reader's business; a corrupt tree is reported.
    const tree = git(dir, ['rev-parse', 'HEAD:src']).trim();
    writeFileSync(join(dir, '.git', 'objects', tree.slice(0, 2), tree.slice(2)), Buffer.from('not zlib'));
    const errors: unknown[] = [];
    const events = [...walkHistory(store, { tips: listRefs(repo).map((r) => r.oid), onError: (e) => errors.push(e) })];
    expect(events.filter((e) => e.kind === 'commit').length).toBeGreaterThan(30);
    expect(errors.length).toBeGreaterThan(0);
    const first = errors[0];
    expect(isLeakhoundError(first) && first.data['oid']).toBe(tree);
    expect(isLeakhoundError(first) && typeof first.data['referencedBy']).toBe('string');
    expect(isLeakhoundError(first) && first.data['treePath']).toBe('src/');
  });

  it('a truncated pack gives E_OBJECT_CORRUPT naming the object and the pack, and earlier objects still read', () => {
    const dir = join(tempDir(), 'truncated');
    cpSync(base, dir, { recursive: true });
    git(dir, ['gc', '-q', '--prune=now']);
    const pack = packOf(dir);
    const size = statSync(pack).size;
    truncateSync(pack, Math.floor(size * 0.6));
    const { store } = openRepository(dir);
    let ok = 0;
    const bad: { code: string; oid: unknown; pack: unknown }[] = [];
    for (const oid of store.allOids()) {
      try {
        store.read(oid);
        ok++;
      } catch (e) {
        if (!isLeakhoundError(e)) throw e;
        bad.push({ code: e.code, oid: e.data['oid'], pack: e.data['pack'] });
      }
    }
    expect(ok).toBeGreaterThan(0);
    expect(bad.length).toBeGreaterThan(0);
    for (const b of bad) {
      expect(b.code).toBe('E_OBJECT_CORRUPT');
      expect(b.pack).toBe(pack);
      expect(typeof b.oid).toBe('string');
    }
  });

  it('a flipped byte inside a packed object is caught (zlib or size check) and names the object', () => {
    const dir = join(tempDir(), 'flipped');
    cpSync(base, dir, { recursive: true });
    git(dir, ['gc', '-q', '--prune=now']);
    const pack = packOf(dir);
    const buf = readFileSync(pack);
    for (let i = 2000; i < buf.length - 100; i += 997) buf[i] = (buf[i] ?? 0) ^ 0xff;
    writeFileSync(pack, buf);
    const { store } = openRepository(dir);
    let bad = 0;
    for (const oid of store.allOids()) {
      try {
        store.read(oid);
      } catch (e) {
        if (!isLeakhoundError(e)) throw e;
        expect(['E_OBJECT_CORRUPT', 'E_OBJECT_MISSING']).toContain(e.code);
        bad++;
      }
    }
    expect(bad).toBeGreaterThan(0);
  });

  it('a few reads from a fresh store (index read by buckets, entries bounded without sorting offsets) equal git', () => {
    const dir = join(tempDir(), 'few');
    cpSync(base, dir, { recursive: true });
    git(dir, ['gc', '-q', '--prune=now']);
    const expected = gitAllObjects(dir);
    const some = [...expected.keys()].filter((_, i) => i % 7 === 0).slice(0, 20);
    const { store } = openRepository(dir);
    for (const oid of some) expect(store.read(oid).data.equals(expected.get(oid)!.data)).toBe(true);
    store.close();
  });

  it('hundreds of reads (a hook on an index without a cache-tree) do not sort the pack offsets; an in-memory pack never does', () => {
    const dir = join(tempDir(), 'many');
    cpSync(base, dir, { recursive: true });
    git(dir, ['gc', '-q', '--prune=now']);
    const expected = gitAllObjects(dir);
    const oids = [...expected.keys()];
    // Three passes with a tiny delta-base cache: every pass inflates every entry again, over 256 entries in all
    // (where offsets used to be sorted) and well under 4,096.
    expect(oids.length * 3).toBeGreaterThan(256);
    for (const whole of [false, true]) {
      const { repo } = openRepository(dir);
      const store = new ObjectStore(repo.objectsDir, { deltaCacheBytes: 1024 });
      if (whole) expect(store.loadPacks(1 << 30).length).toBe(1);
      for (let pass = 0; pass < 3; pass++) for (const oid of oids) expect(store.read(oid).data.equals(expected.get(oid)!.data)).toBe(true);
      expect(store.packs[0]!.index.hasSortedOffsets).toBe(false);
      store.close();
    }
  });

  it('a zlib stream longer than zlib ever writes (empty stored blocks) is still read, with the exact entry end', () => {
    const dir = join(tempDir(), 'padded');
    git(dir.replace(/padded$/, ''), ['init', '-q', dir]);
    const data = Buffer.from('content behind two hundred empty deflate blocks\n');
    const adler = (b: Buffer): number => {
      let a = 1;
      let c = 0;
      for (const x of b) {
        a = (a + x) % 65521;
        c = (c + a) % 65521;
      }
      return ((c << 16) | a) >>> 0;
    };
    const blocks: Buffer[] = [Buffer.from([0x78, 0x01])];
    for (let i = 0; i < 200; i++) blocks.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])); // empty, not final
    const len = Buffer.alloc(4);
    len.writeUInt16LE(data.length, 0);
    len.writeUInt16LE(~data.length & 0xffff, 2);
    blocks.push(Buffer.from([0x01]), len, data);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(adler(data));
    blocks.push(tail);
    const stream = Buffer.concat(blocks);
    const head: number[] = [(3 << 4) | (data.length & 15) | 0x80];
    for (let n = data.length >> 4; n > 0; n >>= 7) head.push((n & 0x7f) | (n >> 7 ? 0x80 : 0));
    const body = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1]), Buffer.from(head), stream]);
    const pack = Buffer.concat([body, createHash('sha1').update(body).digest()]);
    const packPath = join(dir, '.git', 'objects', 'pack', 'pack-padded.pack');
    writeFileSync(packPath, pack);
    git(dir, ['index-pack', packPath]);
    const oid = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
    expect(stream.length).toBeGreaterThan(data.length + 64 + 200);
    const store = new ObjectStore(join(dir, '.git', 'objects'));
    expect(store.readAs(oid, 'blob').equals(data)).toBe(true);
    store.close();
    // The same from a pack held in memory (bounded ends there too, retried exactly).
    const inMemory = new ObjectStore(join(dir, '.git', 'objects'));
    expect(inMemory.loadPacks(1 << 30).length).toBe(1);
    expect(inMemory.readAs(oid, 'blob').equals(data)).toBe(true);
    inMemory.close();
    // And once the offsets are sorted (a walk's block reads sort them before the pack is in memory): in memory the
    // bound is still used, so the retry with the exact end must still happen.
    const sorted = new ObjectStore(join(dir, '.git', 'objects'));
    sorted.loadPacks(1 << 30);
    for (const p of sorted.packs) p.index.sortedOffsets();
    expect(sorted.readAs(oid, 'blob').equals(data)).toBe(true);
    sorted.close();
  });
});
