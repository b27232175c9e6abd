// One reusable zlib inflate stream per thread, writing into buffers we choose.
//
// Why not zlib.inflateSync: each call builds a whole Transform stream (event emitter, state, a native handle with
// its 32 KiB window) and tears it down again. For the walk's many small objects (commits, trees, delta
// instructions) that set-up is ~10x the inflation itself (measured 3.8 us vs 0.4 us per 1 KB object). Node's
// zlib streams drive a native handle with a synchronous `writeSync(flush, in, inOff, inLen, out, outOff, outLen)`
// that reports progress in a Uint32Array ([availOut, availIn]); lib/zlib.js does exactly this in its own sync path
// (processChunkSync). We drive one such handle ourselves, reset between objects.
//
// Where the handle comes from, in order:
// 1. The zlib binding itself (process.binding('zlib'), on the Node majors where its init() signature and the
//    absence of a deprecation warning were checked: see BINDING_MAJORS). Loading node:zlib also loads Node's whole stream stack, ~20 internal
//    modules and ~4 ms of the pre-commit hook's start-up; the binding alone is ~0.2 ms. Skipped under
//    --pending-deprecation, where process.binding would print a warning.
// 2. The `_handle` of a node:zlib Inflate stream (internals, feature-checked).
// 3. zlib.inflateSync: slower, never wrong.
//
// Owns: inflating a complete zlib stream of known output size, or the first bytes of one.
// May import: node:zlib (lazily).
import type * as Zlib from 'node:zlib';

/** zlib's flush values (zlib.h; part of its ABI). */
const Z_SYNC_FLUSH = 2;
const Z_FINISH = 4;
/** Node's zlib binding mode for a zlib-wrapped inflate stream (node_zlib.cc: NONE, DEFLATE, INFLATE, ...). */
const MODE_INFLATE = 2;
/**
 * Node majors whose zlib binding was checked here against lib/zlib.js (Zlib(mode); init with 7 arguments; no
 * runtime deprecation warning). Others take the stream handle until someone checks them.
 */
const BINDING_MAJORS = new Set([20]);

interface NativeZlib {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

interface ZlibBinding {
  Zlib: new (mode: number) => NativeZlib & {
    init(windowBits: number, level: number, memLevel: number, strategy: number, writeState: Uint32Array, cb: () => void, dictionary: undefined): void;
  };
}

/**
 * Thrown for a stream zlib rejects (message `zlib: ...`) or one that does not inflate to its recorded size; the
 * callers add the object id and where it is stored.
 */
export class InflateError extends Error {}

export type InflateSource = 'binding' | 'stream' | 'public';

let zlibModule: typeof Zlib | undefined;
const zlib = (): typeof Zlib => (zlibModule ??= process.getBuiltinModule('node:zlib'));

function zlibBinding(): ZlibBinding | null {
  if (!BINDING_MAJORS.has(Number(process.versions.node.split('.')[0]))) return null;
  if (process.execArgv.includes('--pending-deprecation') || (process.env['NODE_OPTIONS'] ?? '').includes('--pending-deprecation')) return null;
  try {
    const b = (process as unknown as { binding(name: string): unknown }).binding('zlib') as Partial<ZlibBinding> | undefined;
    return typeof b?.Zlib === 'function' ? (b as ZlibBinding) : null;
  } catch {
    return null;
  }
}

class NativeInflater {
  private keep: unknown = null;
  private handle: NativeZlib | null = null;
  private state: Uint32Array | null = null;
  private error: string | null = null;
  /** Where handles come from; 'public' once the internals were found missing. */
  source: InflateSource | null = null;

  private open(): NativeZlib | null {
    if (this.handle !== null) return this.handle;
    // The binding first; without one, the stream's handle (below).
    if (this.source === null) this.source = 'binding';
    let handle: NativeZlib | undefined;
    let state: unknown;
    if (this.source === 'binding') {
      const b = zlibBinding();
      if (b !== null) {
        const h = new b.Zlib(MODE_INFLATE);
        state = new Uint32Array(2);
        // lib/zlib.js's arguments for an Inflate: default window, level, memLevel and strategy, no dictionary.
        h.init(15, -1, 8, 0, state as Uint32Array, () => {}, undefined);
        handle = h;
        this.keep = h;
      } else this.source = 'stream';
    }
    if (this.source === 'stream') {
      const stream = new (zlib().Inflate)();
      const internals = stream as unknown as { _handle?: NativeZlib; _writeState?: unknown };
      handle = internals._handle;
      state = internals._writeState;
      this.keep = stream;
    }
    if (handle === undefined || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' || !(state instanceof Uint32Array)) {
      this.source = 'public';
      this.keep = null;
      return null;
    }
    handle.onerror = (message: string) => {
      this.error = message;
    };
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
    this.keep = null;
    this.handle = null;
    this.state = null;
  }

  /** Forces a source (tests); null goes back to the default choice. */
  use(source: InflateSource | null): void {
    this.discard();
    this.source = source;
  }

  /**
   * Inflates `input` (a whole zlib stream, possibly followed by unrelated bytes) into `out[0, outLen)`. Returns
   * the bytes written, or -1 if no native handle is available (the caller then uses the public API). With
   * `finish`, a stream that ends before its end marker raises InflateError; without it, inflation stops quietly
   * when the input or the output space runs out (for reading only the first bytes).
   */
  run(input: Uint8Array, out: Uint8Array, outLen: number, finish: boolean, inOff = 0, inLen = input.length - inOff): number {
    if (this.source === 'public') return -1;
    const h = this.open();
    if (h === null || this.state === null) return -1;
    this.error = null;
    h.writeSync(finish ? Z_FINISH : Z_SYNC_FLUSH, input, inOff, inLen, out, 0, outLen);
    if (this.error !== null) {
      const message = this.error;
      this.discard();
      throw new InflateError(`zlib: ${message}`);
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
 * buffer of its own (from `alloc` when given). The stream is `input[inOff, inOff + inLen)` (a pack held whole is read in
 * place, without a view per object). Throws InflateError if the stream is corrupt, ends early, or does not inflate to `size`.
 */
export function inflateExact(input: Uint8Array, size: number, transient = false, alloc?: (size: number) => Buffer, inOff = 0, inLen = input.length - inOff): Buffer {
  // One spare byte: a stream longer than its header says must show up as size+1 bytes written, not be cut off.
  const cap = size + 1;
  let out: Buffer;
  if (transient) {
    if (scratch.length < cap) scratch = Buffer.allocUnsafe(Math.max(cap, scratch.length * 2));
    out = scratch;
  } else {
    out = alloc !== undefined ? alloc(cap) : Buffer.allocUnsafe(cap);
  }
  const n = native.run(input, out, cap, true, inOff, inLen);
  if (n >= 0) {
    if (n !== size) throw new InflateError(`inflated ${n > size ? 'more than' : n} bytes, header says ${size}`);
    return out.subarray(0, size);
  }
  let res: Buffer;
  try {
    res = zlib().inflateSync(input.subarray(inOff, inOff + inLen), { chunkSize: Math.max(64, cap), maxOutputLength: Math.max(cap, 64) });
  } catch (e) {
    throw new InflateError(`zlib: ${(e as Error).message}`);
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
    return zlib().inflateSync(input, { finishFlush: Z_SYNC_FLUSH }).subarray(0, want);
  } catch (e) {
    throw new InflateError(`zlib: ${(e as Error).message}`);
  }
}

/** For tests: forces where inflation goes (null: the default choice). */
export function useInflateSource(source: InflateSource | null): void {
  native.use(source);
}

/** Where this thread's inflation goes (after the first use). */
export function inflateSource(): InflateSource | null {
  return native.source;
}
