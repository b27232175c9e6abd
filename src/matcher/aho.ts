// Keyword prefilter: one pass over the text finds every rule keyword (ASCII, case-insensitive).
// Owns: the Aho-Corasick automaton, compiled to a dense transition table over folded ASCII.
// May import: nothing.
//
// Why dense: a table lookup per character with no branches but the output test runs at several hundred MB/s in
// V8, and the keyword set (a few hundred short literals) makes a table of a few thousand states × 128 entries.
// Non-ASCII characters reset to the root: keywords are ASCII, so no keyword spans one.

/** Characters scanned through the trie before the dense table is built (it costs a few ms to build). */
const TABLE_AFTER = 256 * 1024;

export class KeywordAutomaton {
  /** The dense transition table, built once the automaton has scanned TABLE_AFTER characters. */
  private delta: Int32Array | undefined;
  /** Trie edges per state (folded ASCII code -> state), failure links, and states in breadth-first order. */
  private readonly goto: Array<Map<number, number>>;
  private readonly fail: Int32Array;
  private readonly order: number[];
  /** For each state, the keyword ids that end there (via suffix links too), or undefined. */
  private readonly outputs: Array<number[] | undefined>;
  private readonly hasOut: Uint8Array;
  private scanned = 0;
  readonly lengths: number[];

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
    const goto: Array<Map<number, number>> = [new Map()];
    const out: number[][] = [[]];
    keywords.forEach((kw, id) => {
      let s = 0;
      for (const ch of kw.toLowerCase()) {
        const c = ch.charCodeAt(0);
        if (c >= 128) throw new Error(`keyword '${kw}' is not ASCII`);
        let nx = goto[s]!.get(c);
        if (nx === undefined) {
          nx = goto.length;
          goto.push(new Map());
          out.push([]);
          goto[s]!.set(c, nx);
        }
        s = nx;
      }
      out[s]!.push(id);
    });
    // Failure links breadth first: a state's failure state is strictly shallower, so it is done before it.
    const fail = new Int32Array(goto.length);
    const order: number[] = [];
    for (const nx of goto[0]!.values()) order.push(nx);
    for (let qi = 0; qi < order.length; qi++) {
      const s = order[qi]!;
      out[s]!.push(...out[fail[s]!]!);
      for (const [c, nx] of goto[s]!) {
        let f = fail[s]!;
        let t = goto[f]!.get(c);
        while (t === undefined && f !== 0) {
          f = fail[f]!;
          t = goto[f]!.get(c);
        }
        fail[nx] = t !== undefined && t !== nx ? t : 0;
        order.push(nx);
      }
    }
    this.goto = goto;
    this.fail = fail;
    this.order = order;
    this.outputs = out.map((o) => (o.length ? o : undefined));
    this.hasOut = Uint8Array.from(out, (o) => (o.length ? 1 : 0));
    if (tableAfter <= 0) this.buildTable();
  }

  /** The dense table over folded ASCII: one lookup per character, no branch but the output test. */
  private buildTable(): void {
    const { goto, fail } = this;
    const n = goto.length;
    const delta = new Int32Array(n * 128);
    for (const [c, nx] of goto[0]!) delta[c] = nx;
    // Each row starts as a copy of its failure state's row (already complete) plus the state's own edges.
    for (const s of this.order) {
      const f = fail[s]!;
      delta.copyWithin(s * 128, f * 128, f * 128 + 128);
      for (const [c, nx] of goto[s]!) delta[s * 128 + c] = nx;
    }
    // Fold upper case onto lower case in the table itself, so the scan loop does no case work.
    for (let s = 0; s < n; s++) delta.copyWithin(s * 128 + 65, s * 128 + 97, s * 128 + 123);
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
    const { goto, fail, hasOut, outputs } = this;
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
      let nx = goto[s]!.get(c);
      while (nx === undefined && s !== 0) {
        s = fail[s]!;
        nx = goto[s]!.get(c);
      }
      s = nx ?? 0;
      if (hasOut[s] === 1) {
        for (const k of outputs[s]!) {
          if (count === this.hitKw.length) this.grow();
          this.hitKw[count] = k;
          this.hitEnd[count] = i + 1;
          count++;
        }
      }
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
    const hasOut = this.hasOut;
    const outputs = this.outputs;
    let kwBuf = this.hitKw;
    let endBuf = this.hitEnd;
    let count = 0;
    let s = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? delta[(s << 7) | c]! : 0;
      if (hasOut[s] === 1) {
        for (const k of outputs[s]!) {
          if (count === kwBuf.length) {
            const bigger = new Int32Array(kwBuf.length * 2);
            bigger.set(kwBuf);
            kwBuf = bigger;
            const biggerEnd = new Int32Array(endBuf.length * 2);
            biggerEnd.set(endBuf);
            endBuf = biggerEnd;
          }
          kwBuf[count] = k;
          endBuf[count] = i + 1;
          count++;
        }
      }
    }
    this.hitKw = kwBuf;
    this.hitEnd = endBuf;
    return count;
  }
}
