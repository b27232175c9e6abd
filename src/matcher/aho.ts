// Keyword prefilter: one pass over the text finds every rule keyword (ASCII, case-insensitive).
// Owns: the Aho-Corasick automaton: a trie with failure links, then (once enough text went through it) a dense
// transition table over folded ASCII.
// May import: nothing.
//
// Why dense: a table lookup per character with no branches but the output test runs at several hundred MB/s in
// V8, and the keyword set (a few hundred short literals) makes a table of a few thousand states × 128 entries.
// Non-ASCII characters reset to the root: keywords are ASCII, so no keyword spans one.

/** Characters scanned through the trie before the dense table is built (it costs a few ms to build). */
const TABLE_AFTER = 256 * 1024;

/** Keyword hits of one text in scanAll's order (by end offset; at one end, in the automaton's output order). */
export interface KeywordHits {
  count: number;
  kw: Int32Array;
  end: Int32Array;
}

export class KeywordAutomaton {
  /**
   * The dense transition table, built once the automaton has scanned TABLE_AFTER characters. Its states are
   * renumbered so that those with outputs come last (from `outFrom` on): the scan loop tests `s >= outFrom` instead
   * of loading a flag per character. 16-bit entries when the states fit (half the cache footprint).
   */
  private delta: Uint16Array | Int32Array | undefined;
  private outFrom = 0;
  /** Outputs by the table's state numbers. */
  private tableOutputs: Array<number[] | undefined> = [];
  /**
   * The trie in typed arrays (no object per state: start-up allocation is start-up time): the root's edges as a
   * 128-entry table, every other state's as a sibling list (edge character, first child, next sibling).
   */
  private readonly rootNext = new Int32Array(128);
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  private readonly edgeChar: Uint8Array;
  private readonly states: number;
  private readonly fail: Int32Array;
  /** States in breadth-first order (root excluded). */
  private readonly order: Int32Array;
  /** For each state, the keyword ids that end there (via suffix links too), or undefined. */
  private readonly outputs: Array<number[] | undefined>;
  private readonly hasOut: Uint8Array;
  private scanned = 0;
  readonly lengths: number[];
  /** The longest keyword: a hit ending at e depends on the text's characters [e - maxLen, e) only. */
  readonly maxLen: number;

  /**
   * Why lazy: the pre-commit hook scans a few small files per run, and building the 128-wide table for ~1,800
   * states was a tenth of its start-up. Until TABLE_AFTER characters have been scanned, matching walks the trie
   * with failure links (the textbook automaton, amortised linear); then the table takes over. Both give the same
   * hits (a test checks it). `tableAfter` overrides the threshold (0: table at once).
   */
  constructor(
    readonly keywords: string[],
    private readonly tableAfter = TABLE_AFTER,
  ) {
    this.lengths = keywords.map((k) => k.length);
    this.maxLen = Math.max(1, ...this.lengths);
    let max = 1;
    for (const k of keywords) max += k.length;
    const firstChild = (this.firstChild = new Int32Array(max).fill(-1));
    const nextSibling = (this.nextSibling = new Int32Array(max).fill(-1));
    const edgeChar = (this.edgeChar = new Uint8Array(max));
    const outputs = new Array<number[] | undefined>(max);
    let n = 1;
    for (let id = 0; id < keywords.length; id++) {
      const kw = keywords[id]!.toLowerCase();
      let s = 0;
      for (let i = 0; i < kw.length; i++) {
        const c = kw.charCodeAt(i);
        if (c >= 128) throw new Error(`keyword '${keywords[id]!}' is not ASCII`);
        let nx = this.child(s, c);
        if (nx === 0) {
          nx = n++;
          edgeChar[nx] = c;
          if (s === 0) this.rootNext[c] = nx;
          nextSibling[nx] = firstChild[s]!;
          firstChild[s] = nx;
        }
        s = nx;
      }
      (outputs[s] ??= []).push(id);
    }
    // Failure links breadth first: a state's failure state is strictly shallower, so it is done before it.
    const fail = new Int32Array(n);
    const order = new Int32Array(n);
    let tail = 0;
    for (let t = firstChild[0]!; t !== -1; t = nextSibling[t]!) order[tail++] = t;
    for (let qi = 0; qi < tail; qi++) {
      const s = order[qi]!;
      const inherited = outputs[fail[s]!];
      if (inherited !== undefined) outputs[s] = [...(outputs[s] ?? []), ...inherited];
      for (let t = firstChild[s]!; t !== -1; t = nextSibling[t]!) {
        const c = edgeChar[t]!;
        let f = fail[s]!;
        let x = this.child(f, c);
        while (x === 0 && f !== 0) {
          f = fail[f]!;
          x = this.child(f, c);
        }
        fail[t] = x;
        order[tail++] = t;
      }
    }
    this.states = n;
    this.fail = fail;
    this.order = order.subarray(0, tail);
    outputs.length = n;
    this.outputs = outputs;
    const hasOut = new Uint8Array(n);
    for (let s = 0; s < n; s++) if (outputs[s] !== undefined) hasOut[s] = 1;
    this.hasOut = hasOut;
    if (tableAfter <= 0) this.buildTable();
  }

  /** The state reached from `s` on (folded) `c` by a trie edge, or 0 (the root: no such edge). */
  private child(s: number, c: number): number {
    if (s === 0) return this.rootNext[c]!;
    for (let t = this.firstChild[s]!; t !== -1; t = this.nextSibling[t]!) if (this.edgeChar[t] === c) return t;
    return 0;
  }

  /** The dense table over folded ASCII: one lookup per character, no branch but the output test. */
  private buildTable(): void {
    const { fail, firstChild, nextSibling, edgeChar, hasOut } = this;
    const n = this.states;
    const trieDelta = new Int32Array(n * 128);
    trieDelta.set(this.rootNext);
    // Each row starts as a copy of its failure state's row (already complete) plus the state's own edges.
    for (const s of this.order) {
      const f = fail[s]!;
      trieDelta.copyWithin(s * 128, f * 128, f * 128 + 128);
      for (let t = firstChild[s]!; t !== -1; t = nextSibling[t]!) trieDelta[s * 128 + edgeChar[t]!] = t;
    }
    // Renumber: states without outputs first (the root, which has none, stays 0), then those with outputs.
    const perm = new Int32Array(n);
    let k = 0;
    for (let s = 0; s < n; s++) if (hasOut[s] === 0) perm[s] = k++;
    this.outFrom = k;
    const outputs = new Array<number[] | undefined>(n);
    for (let s = 0; s < n; s++) {
      if (hasOut[s] === 1) {
        perm[s] = k;
        outputs[k++] = this.outputs[s];
      }
    }
    const delta = n <= 0x10000 ? new Uint16Array(n * 128) : new Int32Array(n * 128);
    for (let s = 0; s < n; s++) {
      const from = s * 128;
      const to = perm[s]! * 128;
      for (let c = 0; c < 128; c++) delta[to + c] = perm[trieDelta[from + c]!]!;
      // Fold upper case onto lower case in the table itself, so the scan loop does no case work.
      delta.copyWithin(to + 65, to + 97, to + 123);
    }
    this.tableOutputs = outputs;
    this.delta = delta;
  }

  private grow(): void {
    const bigger = new Int32Array(this.hitKw.length * 2);
    bigger.set(this.hitKw);
    this.hitKw = bigger;
    const biggerEnd = new Int32Array(this.hitEnd.length * 2);
    biggerEnd.set(this.hitEnd);
    this.hitEnd = biggerEnd;
  }

  /** scanAll before the table exists: trie edges and failure links. */
  private scanTrie(text: string): number {
    const { fail, hasOut, outputs } = this;
    let count = 0;
    let s = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i);
      if (c >= 128) {
        s = 0;
        continue;
      }
      if (c >= 65 && c <= 90) c += 32;
      let nx = this.child(s, c);
      while (nx === 0 && s !== 0) {
        s = fail[s]!;
        nx = this.child(s, c);
      }
      s = nx;
      if (hasOut[s] === 1) count = this.record(outputs[s]!, i + 1, count);
    }
    return count;
  }

  /** Appends the keywords `kws`, all ending at `end`, to the hit buffers from `count`; returns the new count. */
  private record(kws: number[], end: number, count: number): number {
    for (const k of kws) {
      if (count === this.hitKw.length) this.grow();
      this.hitKw[count] = k;
      this.hitEnd[count] = end;
      count++;
    }
    return count;
  }

  // Reused hit buffers: keyword ids and end offsets of every occurrence of the last scan, in order of end.
  hitKw = new Int32Array(1024);
  hitEnd = new Int32Array(1024);

  /** Finds every occurrence; returns their count, with ids and ends in `hitKw` / `hitEnd` (valid until the next scan). */
  scanAll(text: string): number {
    if (this.delta === undefined) {
      this.scanned += text.length;
      if (this.scanned <= this.tableAfter) return this.scanTrie(text);
      this.buildTable();
    }
    const delta = this.delta!;
    const outFrom = this.outFrom;
    const outputs = this.tableOutputs;
    let kwBuf = this.hitKw;
    let endBuf = this.hitEnd;
    let count = 0;
    let s = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? delta[(s << 7) | c]! : 0;
      if (s >= outFrom) {
        for (const k of outputs[s]!) {
          if (count === kwBuf.length) {
            this.grow();
            kwBuf = this.hitKw;
            endBuf = this.hitEnd;
          }
          kwBuf[count] = k;
          endBuf[count] = i + 1;
          count++;
        }
      }
    }
    return count;
  }

  /** The hits of the last scanAll (which returned `count`), copied out of the shared buffers. */
  hits(count: number): KeywordHits {
    return { count, kw: this.hitKw.slice(0, count), end: this.hitEnd.slice(0, count) };
  }

  /**
   * The hits scanAll(text) would give, from those of a base text and the runs of `text` copied from it
   * ([start, length, baseStart] each, in order; characters between runs are new). Why it holds: after reading a
   * character the automaton's state is the longest suffix of the text read (since the last non-ASCII character)
   * that is a trie node, at most maxLen long, so the hits ending at e depend only on text[e - maxLen, e). Hits that
   * end at least maxLen into a run are the base's, shifted; the others (new characters, and the first maxLen - 1 ends
   * of each run) are found by scanning from maxLen before them. On a file's next version (a few lines changed) that
   * scans a few percent of the text. The text is given by its length and a slice function, asked only for the
   * stretches scanned (the caller need not build the whole string). Offsets are characters: callers pass texts whose
   * characters are their bytes.
   */
  derive(base: KeywordHits, runs: Int32Array, length: number, slice: (from: number, to: number) => string): KeywordHits {
    if (this.delta === undefined) this.buildTable();
    const m = this.maxLen;
    let count = 0;
    let done = 0;
    for (let r = 0; r + 2 < runs.length; r += 3) {
      const t = runs[r]!;
      const len = runs[r + 1]!;
      const b = runs[r + 2]!;
      if (len < m) continue;
      count = this.scanEnds(slice, done, t + m - 1, count);
      // The base's hits ending in [b + m, b + len], by binary search for the first.
      let lo = 0;
      let hi = base.count;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (base.end[mid]! < b + m) lo = mid + 1;
        else hi = mid;
      }
      const shift = t - b;
      for (let i = lo; i < base.count && base.end[i]! <= b + len; i++) {
        if (count === this.hitKw.length) this.grow();
        this.hitKw[count] = base.kw[i]!;
        this.hitEnd[count] = base.end[i]! + shift;
        count++;
      }
      done = t + len;
    }
    count = this.scanEnds(slice, done, length, count);
    return this.hits(count);
  }

  /** Appends to the hit buffers (from `count`) the hits ending in (from, to], scanning from maxLen before them. */
  private scanEnds(slice: (from: number, to: number) => string, from: number, to: number, count: number): number {
    if (to <= from) return count;
    const delta = this.delta!;
    const outFrom = this.outFrom;
    const outputs = this.tableOutputs;
    const start = Math.max(0, from + 1 - this.maxLen);
    const text = slice(start, to);
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? delta[(s << 7) | c]! : 0;
      if (s >= outFrom && start + i >= from) count = this.record(outputs[s]!, start + i + 1, count);
    }
    return count;
  }
}
