// Git delta application (the instruction stream of OFS_DELTA / REF_DELTA pack entries).
// Owns: decoding the delta header sizes and applying copy/insert instructions with bounds checks.
// May import: nothing.

/** Thrown by applyDelta on malformed input; the caller turns it into a coded E_OBJECT_CORRUPT with the oid. */
export class DeltaError extends Error {}

/**
 * Reads the two size varints at the start of a delta into SIZES: [baseSize, resultSize, headerLength]. One array for
 * every call (read it before the next): a fresh array and closure per delta were ~0.1 GB of the 200k-commit audit's
 * main-thread garbage.
 */
export function deltaSizes(delta: Uint8Array): readonly [number, number, number] {
  let pos = 0;
  for (let k = 0; k < 2; k++) {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (pos >= delta.length) throw new DeltaError('delta header truncated');
      const c = delta[pos++]!;
      v += (c & 0x7f) * mul;
      mul *= 128;
      if ((c & 0x80) === 0) break;
    }
    SIZES[k] = v;
  }
  SIZES[2] = pos;
  return SIZES;
}
const SIZES: [number, number, number] = [0, 0, 0];

/**
 * Applies a delta to its base. With `runs`, also records where the result's bytes came from: [resultStart, length,
 * baseStart] for each run of bytes copied from the base (adjacent copies of adjacent base bytes merged); the bytes
 * between runs were inserted by the delta. Callers use it to reuse what they derived from the base's bytes. With
 * `alloc`, the result's memory comes from it.
 */
export function applyDelta(base: Buffer, delta: Buffer, runs?: number[], alloc?: (size: number) => Buffer): Buffer {
  const sizes = deltaSizes(delta);
  const baseSize = sizes[0];
  const resultSize = sizes[1];
  const start = sizes[2];
  if (baseSize !== base.length) throw new DeltaError(`delta base size ${baseSize} != actual ${base.length}`);
  const out = alloc !== undefined ? alloc(resultSize) : Buffer.allocUnsafe(resultSize);
  let o = 0;
  let pos = start;
  const n = delta.length;
  while (pos < n) {
    const op = delta[pos++] ?? 0;
    if ((op & 0x80) !== 0) {
      let off = 0;
      let size = 0;
      if (op & 0x01) off = delta[pos++] ?? 0;
      if (op & 0x02) off |= (delta[pos++] ?? 0) << 8;
      if (op & 0x04) off |= (delta[pos++] ?? 0) << 16;
      if (op & 0x08) off = (off + (delta[pos++] ?? 0) * 0x1000000) >>> 0;
      if (op & 0x10) size = delta[pos++] ?? 0;
      if (op & 0x20) size |= (delta[pos++] ?? 0) << 8;
      if (op & 0x40) size |= (delta[pos++] ?? 0) << 16;
      if (size === 0) size = 0x10000;
      if (pos > n || off + size > base.length || o + size > resultSize) throw new DeltaError('delta copy out of bounds');
      if (runs !== undefined) {
        const n = runs.length;
        if (n > 0 && runs[n - 3]! + runs[n - 2]! === o && runs[n - 1]! + runs[n - 2]! === off) runs[n - 2]! += size;
        else runs.push(o, size, off);
      }
      if (size <= 64) {
        // Short copies are common in text deltas; a loop beats Buffer#copy's call overhead here.
        for (let k = 0; k < size; k++) out[o + k] = base[off + k] ?? 0;
      } else {
        out.set(base.subarray(off, off + size), o);
      }
      o += size;
    } else if (op !== 0) {
      if (pos + op > n || o + op > resultSize) throw new DeltaError('delta insert out of bounds');
      delta.copy(out, o, pos, pos + op);
      pos += op;
      o += op;
    } else {
      throw new DeltaError('delta opcode 0 is reserved');
    }
  }
  if (o !== resultSize) throw new DeltaError(`delta produced ${o} bytes, header says ${resultSize}`);
  return out;
}
