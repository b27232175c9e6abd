// The slab allocator behind recycled blob memory (src/sources/git/slabs.ts): buffers never overlap while in use, a
// slab is reused only once every buffer cut from it was released, and large requests are declined.
import { describe, expect, it } from 'vitest';
import { SlabAllocator, type Slab } from '../../src/sources/git/slabs.js';

describe('SlabAllocator', () => {
  it('never hands out bytes still in use, and reuses a slab once all of it is released', () => {
    const a = new SlabAllocator(4096, 4);
    let rng = 1;
    const rand = (n: number): number => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) % n);
    const live: Array<{ buf: Buffer; slab: Slab; fill: number }> = [];
    const memories = new Set<ArrayBuffer>();
    for (let step = 0; step < 5000; step++) {
      // About 64 buffers in use at a time (~32 KiB: 8 slabs' worth), as a cache keeps a bounded amount.
      if (live.length > 64 || (live.length > 0 && rand(3) === 0)) {
        // Mostly the oldest, as the delta cache drops them; sometimes any.
        const [gone] = live.splice(rand(4) === 0 ? rand(live.length) : 0, 1);
        // Its bytes are intact up to its release.
        expect(gone!.buf.every((b) => b === gone!.fill)).toBe(true);
        a.release(gone!.slab);
      } else {
        const got = a.alloc(1 + rand(1024));
        expect(got).not.toBeNull();
        const fill = step & 0xff;
        got!.buf.fill(fill);
        memories.add(got!.slab.memory);
        live.push({ ...got!, fill });
      }
      for (const l of live.slice(-8)) expect(l.buf.every((b) => b === l.fill)).toBe(true);
    }
    for (const l of live) expect(l.buf.every((b) => b === l.fill)).toBe(true);
    // Slabs were reused rather than made for every fill (without reuse: over 250).
    expect(memories.size).toBeLessThan(100);
    expect(a.alloc(1025)).toBeNull();
  });

  it('holds at most maxSlabs slabs however scattered the buffers still in use, declining beyond', () => {
    const a = new SlabAllocator(4096, 2, 4);
    // Keep one small buffer of every slab alive: each pins its slab.
    const pinned: Slab[] = [];
    let declined = 0;
    for (let i = 0; i < 100; i++) {
      const got = a.alloc(1000);
      if (got === null) {
        declined++;
        continue;
      }
      if (got.slab.live === 1) pinned.push(got.slab);
      else a.release(got.slab);
    }
    expect(a.count).toBe(4);
    expect(declined).toBeGreaterThan(0);
    // Released, the slabs serve again.
    for (const s of pinned) a.release(s);
    expect(a.alloc(1000)).not.toBeNull();
    expect(a.count).toBeLessThanOrEqual(4);
  });
});
