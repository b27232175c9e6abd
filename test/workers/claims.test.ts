// The claim table (src/workers/claims.ts): the audit's main thread and a worker diffing a run both meet new blobs;
// whoever claims a blob's id first scans it. Each id must be claimed exactly once, by one thread, even when two
// threads claim the same ids at the same time; a full table may let an id be claimed twice, never not at all.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { OidClaims } from '../../src/workers/claims.js';
import { ROOT } from '../helpers/cli.js';

const oids = (n: number, salt = ''): string[] => Array.from({ length: n }, (_, i) => createHash('sha1').update(`${salt}${i}`).digest('hex'));

describe('OidClaims', () => {
  it('grants each id once, whatever the case of its hex digits', () => {
    const c = OidClaims.create(100);
    const ids = oids(100);
    expect(ids.map((id) => c.claim(id))).toEqual(ids.map(() => true));
    expect(ids.map((id) => c.claim(id))).toEqual(ids.map(() => false));
    expect(c.claim(ids[7]!.toUpperCase())).toBe(false);
    expect(c.size).toBe(100);
    // SHA-256 ids: the first 128 bits decide.
    const long = createHash('sha256').update('x').digest('hex');
    expect(c.claim(long)).toBe(true);
    expect(c.claim(long)).toBe(false);
  });

  it('once three quarters full, grants every claim (a blob scanned twice, never one left out)', () => {
    const c = OidClaims.create(10); // 1,024 slots, the smallest table
    const ids = oids(1000, 'full');
    for (const id of ids) c.claim(id);
    expect(c.size).toBe(768);
    expect(c.claim(ids[0]!)).toBe(false); // recorded before the table filled
    expect(c.claim(ids[999]!)).toBe(true); // never recorded: granted again
    expect(c.claim(ids[999]!)).toBe(true);
  });

  it('splits ids claimed by two threads at once between them, each id to exactly one', async () => {
    const ids = oids(60_000, 'race');
    const c = OidClaims.create(ids.length);
    const started = new Int32Array(new SharedArrayBuffer(4));
    const url = pathToFileURL(join(ROOT, 'dist', 'src', 'workers', 'claims.js')).href;
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.url).then(({ OidClaims }) => {
         const c = OidClaims.adopt(workerData.buffer);
         Atomics.store(workerData.started, 0, 1);
         const won = [];
         for (const id of workerData.ids) if (c.claim(id)) won.push(id);
         parentPort.postMessage(won);
       });`,
      { eval: true, workerData: { url, buffer: c.buffer, ids, started } },
    );
    const theirs = new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    while (Atomics.load(started, 0) === 0);
    // The same ids from the other end, so that the two threads meet in the middle.
    const mine: string[] = [];
    for (let i = ids.length - 1; i >= 0; i--) if (c.claim(ids[i]!)) mine.push(ids[i]!);
    const won = await theirs;
    await worker.terminate();
    expect(mine.length).toBeGreaterThan(0);
    expect(won.length).toBeGreaterThan(0);
    const all = [...mine, ...won];
    expect(all.length).toBe(ids.length);
    expect(new Set(all).size).toBe(ids.length);
    expect(c.size).toBe(ids.length);
  });
});
