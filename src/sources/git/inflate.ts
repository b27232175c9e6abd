// One reusable zlib inflate stream per thread, writing into buffers we choose.
//
// Why not zlib.inflateSync: each call builds a whole Transform stream (event emitter, state, a native handle with
// its 32 KiB window) and tears it down again. For the walk's many small objects (commits, trees, delta
// instructions) that set-up is ~10x the inflation itself (measured 3.8 us vs 0.4 us per 1 KB object). Node keeps
// the native handle behind `stream._handle` with a synchronous `writeSync(flush, in, inOff, inLen, out, outOff,
// outLen)` and reports progress in `stream._writeState` ([availOut, availIn]); lib/zlib.js drives it the same way in
// its own sync path (processChunkSync). Those are internals, so the handle is feature-checked once and anything
// unexpected falls back to inflateSync: slower, never wrong.
//
// Owns: inflating a complete zlib stream of known output size, or the first bytes of one.
// May import: node:zlib.
import { constants as zc, Inflate, inflateSync } from 'node:zlib';

interface NativeZlib {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

/** Thrown for a stream zlib rejects; the pack reader adds the object id and pack offset. */
export class InflateError extends Error {}

class NativeInflater {
  private stream: Inflate | null = null;
  private handle: NativeZlib | null = null;
  private state: Uint32Array | null = null;
  private error: string | null = null;
  /** False once the internals were found missing: every call then takes the public API. */
  usable = true;

  private open(): NativeZlib | null {
    if (!this.usable) return null;
    if (this.handle !== null) return this.handle;
    const stream = new Inflate();
    const internals = stream as unknown as { _handle?: NativeZlib; _writeState?: unknown };
    const handle = internals._handle;
    const state = internals._writeState;
    if (handle === undefined || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' || !(state instanceof Uint32Array)) {
      this.usable = false;
      return null;
    }
    handle.onerror = (message: string) => {
      this.error = message;
    };
    this.stream = stream;
    this.handle = handle;
    this.state = state;
    return handle;
  }

  /** A stream that failed is not reused: zlib's state after an error is not something to build on. */
  private discard(): void {
    try {
      this.handle?.close();
    } catch {
      // already closed
    }
    this.stream = null;
    this.handle = null;
    this.state = null;
  }

  /**
   * Inflates `input` (a whole zlib stream, possibly followed by unrelated bytes) into `out[0, outLen)`. Returns
   * the bytes written, or -1 if the internals are unavailable (the caller then uses the public API). With `finish`,
   * a stream that ends before its end marker raises InflateError; without it, inflation stops quietly when the
   * input or the output space runs out (for reading only the first bytes).
   */
  run(input: Uint8Array, out: Uint8Array, outLen: number, finish: boolean): number {
    const h = this.open();
    if (h === null || this.state === null) return -1;
    this.error = null;
    h.writeSync(finish ? zc.Z_FINISH : zc.Z_SYNC_FLUSH, input, 0, input.length, out, 0, outLen);
    if (this.error !== null) {
      const message = this.error;
      this.discard();
      throw new InflateError(message);
    }
    const written = outLen - (this.state[0] ?? 0);
    h.reset();
    return written;
  }
}

const native = new NativeInflater();
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Inflates a complete stream whose output is `size` bytes. With `transient`, the result is a view of a per-thread
 * scratch buffer, valid only until the next call (for delta instructions, used once and dropped); otherwise a
 * buffer of its own. Throws InflateError if the stream is corrupt, ends early, or does not inflate to `size`.
 */
export function inflateExact(input: Uint8Array, size: number, transient = false): Buffer {
  // One spare byte: a stream longer than its header says must show up as size+1 bytes written, not be cut off.
  const cap = size + 1;
  let out: Buffer;
  if (transient) {
    if (scratch.length < cap) scratch = Buffer.allocUnsafe(Math.max(cap, scratch.length * 2));
    out = scratch;
  } else {
    out = Buffer.allocUnsafe(cap);
  }
  const n = native.run(input, out, cap, true);
  if (n >= 0) {
    if (n !== size) throw new InflateError(`inflated ${n > size ? 'more than' : n} bytes, header says ${size}`);
    return out.subarray(0, size);
  }
  let res: Buffer;
  try {
    res = inflateSync(input, { chunkSize: Math.max(64, cap), maxOutputLength: Math.max(cap, 64) });
  } catch (e) {
    throw new InflateError((e as Error).message);
  }
  if (res.length !== size) throw new InflateError(`inflated ${res.length} bytes, header says ${size}`);
  return res;
}

/** The first `want` bytes of a stream's output (fewer if the input or the stream ends first). A copy. */
export function inflateHead(input: Uint8Array, want: number): Buffer {
  const out = Buffer.allocUnsafe(want);
  const n = native.run(input, out, want, false);
  if (n >= 0) return out.subarray(0, n);
  try {
    return inflateSync(input, { finishFlush: zc.Z_SYNC_FLUSH }).subarray(0, want);
  } catch (e) {
    throw new InflateError((e as Error).message);
  }
}

/** For tests: forces the public-API path, as on a Node whose zlib internals differ. */
export function useNativeInflate(on: boolean): void {
  native.usable = on;
}
