// PackIndex.find against synthetic v2 indexes: the fanout bucket and the search within it must find every oid at its
// table position and report absent ones, whether ids are uniform (as SHA-1s are) or bunched (an interpolating
// search was tried and would guess wrong there); from memory and through single bucket reads.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PackIndex } from '../../src/sources/git/pack-index.js';
import { cleanup, tempDir } from './fixtures.js';

afterAll(cleanup);

/** A version 2 index of these oids (sorted here), the i-th at pack offset 12 + i. */
function indexOf(oids: Buffer[]): { idx: Buffer; sorted: Buffer[] } {
  const sorted = [...new Map(oids.map((o) => [o.toString('hex'), o])).values()].sort(Buffer.compare);
  const n = sorted.length;
  const idx = Buffer.alloc(8 + 1024 + n * 28 + 40);
  idx.writeUInt32BE(0xff744f63, 0);
  idx.writeUInt32BE(2, 4);
  const counts = new Array<number>(256).fill(0);
  for (const o of sorted) counts[o[0]!]!++;
  let acc = 0;
  for (let b = 0; b < 256; b++) idx.writeUInt32BE((acc += counts[b]!), 8 + b * 4);
  sorted.forEach((o, i) => {
    o.copy(idx, 8 + 1024 + i * 20);
    idx.writeUInt32BE(12 + i, 8 + 1024 + n * 24 + i * 4);
  });
  return { idx, sorted };
}

function check(pi: PackIndex, sorted: Buffer[], probes: number[]): void {
  for (const i of probes) {
    expect(pi.find(sorted[i]!)).toBe(i);
    expect(pi.offsetAt(i)).toBe(12 + i);
    // Neighbours that are not in the table.
    const next = Buffer.from(sorted[i]!);
    next[19] = (next[19]! + 1) & 0xff;
    if (next[19] !== 0 && !(sorted[i + 1]?.equals(next) ?? false)) expect(pi.find(next)).toBe(-1);
  }
}

describe('PackIndex.find', () => {
  const uniform = Array.from({ length: 60_000 }, () => randomBytes(20));
  // Bunched: most ids of a bucket share their next three bytes (the guess lands far from them), some are spread.
  const bunched = Array.from({ length: 60_000 }, (_, i) => {
    const o = randomBytes(20);
    if (i % 10 !== 0) {
      o[1] = 0xf0 + (i % 3);
      o[2] = 0x01;
    }
    if (i % 7 === 0) o[1] = 0x00;
    return o;
  });

  for (const [name, oids] of [
    ['uniform ids', uniform],
    ['bunched ids', bunched],
  ] as const) {
    it(`finds every id and no absent one (${name}, in memory)`, () => {
      const { idx, sorted } = indexOf(oids);
      const pi = new PackIndex('/synthetic.idx', idx);
      check(pi, sorted, sorted.map((_, i) => i));
      for (let k = 0; k < 5000; k++) expect(pi.find(randomBytes(20))).toBe(-1);
    });

    it(`finds ids through single bucket reads (${name})`, () => {
      const { idx, sorted } = indexOf(oids);
      const path = join(tempDir('lh-idx-'), 'p.idx');
      writeFileSync(path, idx);
      const pi = new PackIndex(path);
      // Fewer lookups than load the whole file.
      check(pi, sorted, [0, 1, sorted.length - 1, ...Array.from({ length: 25 }, (_, k) => Math.floor((k * sorted.length) / 25))]);
      pi.close();
    });
  }
});
