// Keyword prefilter: one pass over the text finds every rule keyword (ASCII, case-insensitive).
// Owns: the Aho-Corasick automaton, compiled to a dense transition table over folded ASCII.
// May import: nothing.
//
// Why dense: a table lookup per character with no branches but the output test runs at several hundred MB/s in
// V8, and the keyword set (a few hundred short literals) makes a table of a few thousand states × 128 entries.
// Non-ASCII characters reset to the root: keywords are ASCII, so no keyword spans one.

export class KeywordAutomaton {
  private readonly delta: Int32Array;
  /** For each state, the keyword ids that end there (via suffix links too), or undefined. */
  private readonly outputs: Array<number[] | undefined>;
  private readonly hasOut: Uint8Array;
  readonly lengths: number[];

  constructor(readonly keywords: string[]) {
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
    const n = goto.length;
    const delta = new Int32Array(n * 128);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (const [c, nx] of goto[0]!) {
      delta[c] = nx;
      queue.push(nx);
    }
    // Breadth first, so a state's failure state (strictly shallower) has its whole row already: the row starts as a
    // copy of it (one memcpy) and only the state's own edges are written over it.
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      out[s]!.push(...out[f]!);
      delta.copyWithin(s * 128, f * 128, f * 128 + 128);
      for (const [c, nx] of goto[s]!) {
        fail[nx] = delta[f * 128 + c]!;
        delta[s * 128 + c] = nx;
        queue.push(nx);
      }
    }
    // Fold upper case onto lower case in the table itself, so the scan loop does no case work.
    for (let s = 0; s < n; s++) delta.copyWithin(s * 128 + 65, s * 128 + 97, s * 128 + 123);
    this.delta = delta;
    this.outputs = out.map((o) => (o.length ? o : undefined));
    this.hasOut = Uint8Array.from(out, (o) => (o.length ? 1 : 0));
  }

  // Reused hit buffers: keyword ids and end offsets of every occurrence of the last scan, in order of end.
  hitKw = new Int32Array(1024);
  hitEnd = new Int32Array(1024);

  /** Finds every occurrence; returns their count, with ids and ends in `hitKw` / `hitEnd` (valid until the next scan). */
  scanAll(text: string): number {
    const delta = this.delta;
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
