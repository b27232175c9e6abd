// Backtracking safety proof for rule patterns.
// Owns: deciding whether a pattern may run on V8's backtracking RegExp (fast) or must run on RE2 (linear time).
// May import: ./parse.
//
// The argument. A backtracking matcher started at one position explores a tree whose nodes are (input prefix,
// automaton path) pairs: every path of the pattern's automaton that is consistent with the input read so far.
// Its work from one start is therefore at most the number of such paths summed over every prefix length. For a
// pattern whose repetitions are all bounded, the automaton is acyclic, and that sum has a maximum over ALL inputs,
// which we compute exactly below by exploring path-count vectors character class by character class. A pattern
// whose maximum (`costPerStart`) is under the budget does at most `costPerStart` steps per start position, so a
// scan of n characters costs at most n × costPerStart steps: linear, with a constant we know. Anything unbounded
// (`*`, `+`, `{n,}`) or over the budget goes to RE2. The proof is conservative: assertions are treated as free passes
// (more paths, never fewer), so the bound holds for V8 whatever the input.
import { type Node, foldSet, maxLength } from './parse.js';

export interface SafetyVerdict {
  engine: 'v8' | 're2';
  /** Worst-case backtracking steps per start position (finite only when engine is v8). */
  costPerStart: number;
  reason: string;
}

/** Steps per start position we accept on V8. A 200-character token pattern is typically below 300. */
export const V8_COST_BUDGET = 4096;
const MAX_STATES = 6000;
const MAX_VECTORS = 20000;

interface NState {
  /** Char-consuming state: the atoms it accepts, and its successor. */
  atoms?: Uint8Array;
  set?: Array<[number, number]>;
  next: number;
  /** Epsilon successors. */
  eps: number[];
  accept?: boolean;
}

class TooBig extends Error {}

class Builder {
  states: NState[] = [];
  constructor(readonly ignoreCase: boolean) {}
  add(s: NState): number {
    if (this.states.length >= MAX_STATES) throw new TooBig();
    this.states.push(s);
    return this.states.length - 1;
  }
  /** Builds `n` so that it continues to `next`; returns its entry state. */
  build(n: Node, next: number): number {
    switch (n.t) {
      case 'set':
        return this.add({ set: (this.ignoreCase ? foldSet(n.set) : n.set).ranges, next, eps: [] });
      case 'assert':
        return next;
      case 'group':
        return this.build(n.body, next);
      case 'seq': {
        let cur = next;
        for (let i = n.items.length - 1; i >= 0; i--) cur = this.build(n.items[i]!, cur);
        return cur;
      }
      case 'alt': {
        const entries = n.alts.map((a) => this.build(a, next));
        return this.add({ next: -1, eps: entries });
      }
      case 'repeat': {
        if (n.max === Infinity) throw new Error('unbounded');
        // x{min,max} = x x ... x (x (x (...)?)?)? : the nested form is unambiguous, like V8's counted loop.
        let cur = next;
        for (let i = 0; i < n.max - n.min; i++) {
          // Either one more x (then the inner optional levels), or stop and go on to `next`.
          const body = this.build(n.body, cur);
          cur = this.add({ next: -1, eps: [body, next] });
        }
        for (let i = 0; i < n.min; i++) cur = this.build(n.body, cur);
        return cur;
      }
    }
  }
}

function atomsOf(states: NState[]): void {
  const bounds = new Set<number>([0, 0x10000]);
  for (const s of states) if (s.set) for (const [a, b] of s.set) {
      bounds.add(a);
      bounds.add(b + 1);
    }
  const cuts = [...bounds].sort((x, y) => x - y);
  for (const s of states) {
    if (!s.set) continue;
    const atoms = new Uint8Array(cuts.length - 1);
    for (let k = 0; k < cuts.length - 1; k++) {
      const lo = cuts[k]!;
      atoms[k] = s.set.some(([a, b]) => a <= lo && lo <= b) ? 1 : 0;
    }
    s.atoms = atoms;
  }
}

export function analyze(ast: Node, ignoreCase = false): SafetyVerdict {
  const max = maxLength(ast);
  if (max === Infinity) return { engine: 're2', costPerStart: Infinity, reason: 'unbounded repetition (*, + or {n,})' };
  // Each start position costs at least one step per character of the longest match: past the budget, no need to look.
  if (max > V8_COST_BUDGET) return { engine: 're2', costPerStart: Infinity, reason: `matches up to ${max} characters: over the budget of ${V8_COST_BUDGET} steps` };
  try {
    return analyzeBounded(ast, ignoreCase);
  } catch (e) {
    // The exploration recurses once per character of the longest match; a very large pattern can exhaust the stack.
    if (e instanceof RangeError) return { engine: 're2', costPerStart: Infinity, reason: 'pattern too large to analyse' };
    throw e;
  }
}

function analyzeBounded(ast: Node, ignoreCase: boolean): SafetyVerdict {
  const b = new Builder(ignoreCase);
  let start: number;
  try {
    const accept = b.add({ next: -1, eps: [], accept: true });
    start = b.build(ast, accept);
  } catch (e) {
    if (e instanceof TooBig) return { engine: 're2', costPerStart: Infinity, reason: 'pattern too large to analyse' };
    throw e;
  }
  const states = b.states;
  atomsOf(states);
  const nAtoms = states.find((s) => s.atoms)?.atoms?.length ?? 0;

  // Path counts from a state through epsilon edges to consuming/accept states.
  const closureMemo = new Map<number, Map<number, number>>();
  const closure = (s: number): Map<number, number> => {
    const hit = closureMemo.get(s);
    if (hit) return hit;
    const st = states[s]!;
    let out: Map<number, number>;
    if (st.set || st.accept) out = new Map([[s, 1]]);
    else {
      out = new Map();
      for (const e of st.eps) for (const [k, v] of closure(e)) out.set(k, (out.get(k) ?? 0) + v);
    }
    closureMemo.set(s, out);
    return out;
  };

  const memo = new Map<string, number>();
  let overflow = false;
  // Once any path count passes the budget the verdict is RE2 whatever the rest: stop exploring.
  let exceeded = false;
  const keyOf = (v: Map<number, number>): string =>
    [...v.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([k, c]) => `${k}:${c}`)
      .join(',');
  const cost = (v: Map<number, number>, depthTotal: number): number => {
    if (v.size === 0) return 0;
    const key = keyOf(v);
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    if (memo.size > MAX_VECTORS) {
      overflow = true;
      return Infinity;
    }
    let total = 0;
    for (const c of v.values()) total += c;
    if (depthTotal + total > V8_COST_BUDGET) {
      exceeded = true;
      return Infinity;
    }
    // Atoms that the same states of v accept lead to the same successor: explore each class of atoms once.
    const entries = [...v.entries()];
    const seen = new Set<string>();
    let worst = 0;
    for (let a = 0; a < nAtoms && !overflow && !exceeded; a++) {
      let sig = '';
      for (let i = 0; i < entries.length; i++) {
        const st = states[entries[i]![0]]!;
        if (st.atoms && st.atoms[a] === 1) sig += i + ',';
      }
      if (sig === '' || seen.has(sig)) continue;
      seen.add(sig);
      const nv = new Map<number, number>();
      for (const [s, c] of entries) {
        const st = states[s]!;
        if (!st.atoms || st.atoms[a] !== 1) continue;
        for (const [k, m] of closure(st.next)) nv.set(k, (nv.get(k) ?? 0) + c * m);
      }
      // Accept-only vectors end the run: the matcher reports and stops exploring this branch.
      for (const k of [...nv.keys()]) if (states[k]!.accept) nv.delete(k);
      const c = cost(nv, depthTotal + total);
      if (c > worst) worst = c;
    }
    const r = total + worst;
    if (!exceeded && !overflow) memo.set(key, r);
    return r;
  };
  const c = cost(closure(start), 0);
  if (exceeded)
    return { engine: 're2', costPerStart: Infinity, reason: `worst case over ${V8_COST_BUDGET} backtracking steps per start position` };
  if (overflow || !Number.isFinite(c))
    return { engine: 're2', costPerStart: Infinity, reason: 'too many backtracking paths to bound' };
  if (c > V8_COST_BUDGET)
    return {
      engine: 're2',
      costPerStart: c,
      reason: `worst case ${c} backtracking steps per start position (budget ${V8_COST_BUDGET})`,
    };
  return { engine: 'v8', costPerStart: c, reason: `proven: at most ${c} steps per start position` };
}
