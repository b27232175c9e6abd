// THE HOT CORE: compile rules once; scan(unit) -> matches.
// Owns: keyword prefilter -> windows around hits -> regex (V8 where proven safe, else RE2) -> checks -> allowlists.
// Pure and synchronous: no git, no filesystem, no network, no logging. Runs in worker threads.
// May import: types, errors, ./regex, ./aho, ./checks, ./decode, re2-wasm, picomatch.
//
// Semantics (the same with the prefilter on or off, which a property test checks): a rule reports a match of its
// pattern that CONTAINS one of its keywords (case-insensitive), whose secret passes the rule's checks and is not
// allowlisted. With the prefilter on, the pattern runs only on a window reaching the pattern's maximum match length
// around each keyword hit, which provably contains every such match; rules with no keyword run on the whole unit.
import { createRequire } from 'node:module';
import picomatch from 'picomatch';
import type { GlobalAllowlist, RawMatch, RuleSpec, ScanUnit, UnitResult } from '../types/index.js';
import { ruleFileError } from '../errors/index.js';
import { KeywordAutomaton, type KeywordHits } from './aho.js';
export type { KeywordHits } from './aho.js';
import { VALIDATORS, shannon } from './checks.js';
import { decodeUnit } from './decode.js';
export { isAsciiText } from './decode.js';
import { type PatternFacts, factsOf } from './regex/facts.js';
import { PatternError, parsePattern } from './regex/parse.js';
import { type SafetyVerdict, analyze } from './regex/safety.js';
import { seededFacts, seededVerdict } from './regex/verdicts.js';

interface Re2Like {
  lastIndex: number;
  exec(s: string): RegExpExecArray | null;
}
const require = createRequire(import.meta.url);
type Re2Ctor = new (src: string, flags: string) => Re2Like;
// Loaded on first use: instantiating the WASM module costs tens of milliseconds that a hook with no RE2 hit can skip.
let re2Ctor: Re2Ctor | undefined;
const RE2 = function (src: string, flags: string): Re2Like {
  re2Ctor ??= (require('re2-wasm') as { RE2: Re2Ctor }).RE2;
  return new re2Ctor(src, flags);
} as unknown as Re2Ctor;

/** Window reach for patterns with no finite maximum length (RE2 only). Longer matches may be missed. */
export const UNBOUNDED_REACH = 8192;
/** RE2 copies each input into a fixed 16 MiB WASM heap: keep its inputs well below that. */
const RE2_MAX_WINDOW = 256 * 1024;

export interface CompiledPattern {
  engine: 'v8' | 're2';
  verdict: SafetyVerdict;
  /** Runs the pattern globally over `text`; calls back with UTF-16 offsets. Return false to stop. */
  forEach(text: string, cb: (m: RegExpExecArray, start: number, end: number) => 'accept' | 'reject'): void;
  /** Offsets [start, end) of capture group g within the match, or undefined if it did not participate. */
  groupSpan(m: RegExpExecArray, start: number, g: number): [number, number] | undefined;
  reach: number;
  multiline: boolean;
  /** Has `^` or `$` without the m flag (anchored to the whole input, so windows would change its meaning). */
  anchoredToUnit: boolean;
}

/** The safety verdict of a pattern: from the rules cache when seeded, else proven now. */
function verdictFor(pattern: string, flags: string): SafetyVerdict {
  const p = parsePattern(pattern, flags);
  return analyze(p.ast, p.flags.i);
}

type Compiled = CompiledPattern & { groupCount: number; groupNames: Map<string, number> };
// Compiled patterns are shared within a thread: RE2 compilation is costly, and forEach is synchronous and resets
// lastIndex, so sharing is safe.
const compiledCache = new Map<string, Compiled>();

/** Compiles a pattern for the engine its safety verdict allows. Throws PatternError on a bad pattern. */
export function compilePattern(pattern: string, flags: string, forceEngine?: 'v8' | 're2'): Compiled {
  const key = `${forceEngine ?? ''}/${flags}/${pattern}`;
  let c = compiledCache.get(key);
  if (!c) {
    c = compileUncached(pattern, flags, forceEngine);
    compiledCache.set(key, c);
  }
  return c;
}

function compileUncached(pattern: string, flags: string, forceEngine?: 'v8' | 're2'): Compiled {
  // Built-in patterns come with their facts and verdict from the rules cache: no parsing at start-up.
  const seeded = seededVerdict(pattern, flags);
  const facts = seededFacts(pattern, flags) ?? factsOf(pattern, flags);
  const verdict = seeded ?? verdictFor(pattern, flags);
  const engine = forceEngine ?? verdict.engine;
  const engineFlags = 'g' + (facts.i ? 'i' : '') + (facts.m ? 'm' : '');
  if (engine === 'v8') {
    // As for RE2 below: a built-in pattern (verdict from the rules cache) is known to compile, so its RegExp is
    // made on first use; anything else is compiled now, so that a bad user pattern fails at load time.
    const p = new V8Pattern(verdict, facts, facts.v8, engineFlags + 'd');
    if (!seeded) p.regex();
    return p;
  }
  // A pattern whose verdict came from the built-in rules cache is known to compile: build its RE2 program on first
  // use, so a pre-commit hook does not pay for programs that no keyword hit ever needs.
  const p = new Re2Pattern(verdict, facts, facts.re2, engineFlags + 'u');
  if (!seeded) p.program();
  return p;
}

// Compiled patterns are classes with every field set in the constructor (PatternBase's, then the engine's own), in
// the same order for both engines: the matcher's hot loops read `engine`, `reach`, `multiline` of every rule, and object literals built by spreading
// (different closures per pattern) gave V8 enough map variants to deoptimize scanText and runWindows repeatedly
// (each reoptimization of those functions costs tens of milliseconds of compiler time per worker).
abstract class PatternBase implements Compiled {
  abstract readonly engine: 'v8' | 're2';
  readonly reach: number;
  readonly multiline: boolean;
  readonly anchoredToUnit: boolean;
  readonly groupCount: number;
  readonly groupNames: Map<string, number>;
  constructor(
    readonly verdict: SafetyVerdict,
    facts: PatternFacts,
    /** The pattern in the engine's own syntax, and its flags. */
    protected readonly source: string,
    protected readonly flags: string,
  ) {
    this.reach = facts.maxLen ?? UNBOUNDED_REACH;
    this.multiline = facts.multiline;
    this.anchoredToUnit = facts.anchoredToUnit;
    this.groupCount = facts.groupCount;
    this.groupNames = new Map(facts.groupNames);
  }

  abstract forEach(text: string, cb: (m: RegExpExecArray, start: number, end: number) => 'accept' | 'reject'): void;
  abstract groupSpan(m: RegExpExecArray, start: number, g: number): [number, number] | undefined;
}

class V8Pattern extends PatternBase {
  readonly engine = 'v8' as const;
  private made: RegExp | null = null;

  regex(): RegExp {
    return (this.made ??= new RegExp(this.source, this.flags));
  }

  forEach(text: string, cb: (m: RegExpExecArray, start: number, end: number) => 'accept' | 'reject'): void {
    const re = this.regex();
    re.lastIndex = 0;
    for (;;) {
      const m = re.exec(text);
      if (!m) return;
      const end = m.index + m[0].length;
      const verdictCb = cb(m, m.index, end);
      if (verdictCb === 'reject' || end === m.index) re.lastIndex = m.index + 1;
    }
  }

  groupSpan(m: RegExpExecArray, start: number, g: number): [number, number] | undefined {
    const idx = m.indices?.[g];
    if (!idx) return undefined;
    return [start + idx[0] - m.index, start + idx[1] - m.index];
  }
}

class Re2Pattern extends PatternBase {
  readonly engine = 're2' as const;
  private compiled: Re2Like | null = null;

  program(): Re2Like {
    return (this.compiled ??= new RE2(this.source, this.flags));
  }

  forEach(text: string, cb: (m: RegExpExecArray, start: number, end: number) => 'accept' | 'reject'): void {
    // re2-wasm reports code-point offsets; convert when the text has surrogate pairs.
    const astral = /[\uD800-\uDFFF]/.test(text);
    const cpToUnit = astral ? codePointOffsets(text) : undefined;
    const r2 = this.program();
    r2.lastIndex = 0;
    for (;;) {
      const m = r2.exec(text);
      if (!m) return;
      const cpStart = m.index;
      const start = cpToUnit ? cpToUnit[cpStart]! : cpStart;
      const end = start + m[0].length;
      const r = cb(m, start, end);
      if (r === 'reject' || m[0].length === 0) r2.lastIndex = cpStart + 1;
    }
  }

  groupSpan(m: RegExpExecArray, start: number, g: number): [number, number] | undefined {
    const s = m[g];
    if (s === undefined) return undefined;
    // re2-wasm gives no group offsets: take the first occurrence of the group's text inside the match.
    const off = m[0].indexOf(s);
    return [start + off, start + off + s.length];
  }
}

function codePointOffsets(text: string): Int32Array {
  const out = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    out[cp++] = i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  out[cp] = text.length;
  return out;
}

interface AllowRegex {
  test(s: string): boolean;
  target: 'secret' | 'match' | 'line';
}

function compileAllowRegex(pattern: string, target: 'secret' | 'match' | 'line'): AllowRegex {
  const c = compilePattern(pattern, '');
  return {
    target,
    test(s) {
      let found = false;
      c.forEach(s, () => {
        found = true;
        return 'accept';
      });
      return found;
    },
  };
}

/** A rule as the hot loops read it: every field set, in one order (one V8 map for all rules; see V8Pattern). */
interface CompiledRule {
  spec: RuleSpec;
  /** spec.id, spec.multiline, and whether the rule has no keywords (runs on every unit), read per window. */
  id: string;
  multiline: boolean;
  always: boolean;
  index: number;
  pattern: CompiledPattern;
  secretGroup: number;
  groupNames: Map<string, number>;
  allowSecrets: Set<string>;
  stopwords: string[];
  allowRegexes: AllowRegex[];
  pathAllowed: ((p: string) => boolean) | null;
  pathOnly: ((p: string) => boolean) | null;
  validators: Array<(s: string) => boolean>;
}

export interface MatcherOptions {
  /** Keyword prefilter (default on). Off runs every rule over the whole unit: for tests and comparisons. */
  prefilter?: boolean;
  /** Honour inline allow comments (default on). */
  inlineAllow?: boolean;
  /** Units larger than this are skipped as too large (bytes). Default: no limit. */
  maxBytes?: number;
  allow?: GlobalAllowlist;
}

/** Inline markers that suppress a finding on their line (ours, and those of the tools users migrate from). */
export const INLINE_ALLOW_MARKERS = ['leakhound:allow', 'gitleaks:allow', 'pragma: allowlist secret', 'trufflehog:ignore', 'kingfisher:ignore'];
const NEXTLINE_MARKERS = ['pragma: allowlist nextline secret', 'leakhound:allow-next-line'];

/**
 * For globs made only of literal characters, `/`, `*` and `**`: the longest slash-free literal run of each (for the
 * default allowlist's node_modules glob, `node_modules`; for its source-map globs, `.js.map` and the like). A path can
 * match such a glob only if it contains that run, so a path containing no glob's run matches none of them. Null when
 * some glob has other syntax (classes, braces, extglobs, escapes) or no literal at all: then only picomatch can say.
 */
export function globNeedles(globs: readonly string[]): string[] | null {
  const needles: string[] = [];
  for (const g of globs) {
    if (!/^[^?[\]{}()!+@\\]*$/.test(g)) return null;
    let best = '';
    for (const run of g.split(/[/*]+/)) if (run.length > best.length) best = run;
    if (best === '') return null;
    needles.push(best);
  }
  return needles;
}

/**
 * A glob matcher compiled on its first use: a rule's path globs cost start-up only when a unit of that rule is seen.
 * Paths that contain none of the globs' literal runs (see globNeedles) are answered without compiling at all: the
 * default allowlist (node_modules, .git, source maps) then costs a pre-commit hook nothing for ordinary files.
 */
export function lazyGlob(globs: string[]): (p: string) => boolean {
  const needles = globNeedles(globs);
  let m: ((p: string) => boolean) | undefined;
  return (p) => {
    if (needles !== null && !needles.some((n) => p.includes(n))) return false;
    return (m ??= picomatch(globs, { dot: true }))(p);
  };
}

/**
 * Whether a Matcher of these rules could find anything in a text: false only when the keyword prefilter is on, every
 * rule has keywords, and none occurs in it (scanText then returns no matches). The rules' keyword automaton alone:
 * for a thread that only sorts many small texts (the audit's commit messages) for a worker whose matcher is warm,
 * building a whole Matcher (every pattern parsed and checked) cost ~25 ms before the first message.
 */
export function keywordPrefilter(specs: RuleSpec[], prefilter = true): (text: string) => boolean {
  if (!prefilter || specs.some((r) => r.keywords.length === 0)) return () => true;
  const keywords = [...new Set(specs.flatMap((r) => r.keywords.map((k) => k.toLowerCase())))];
  const automaton = new KeywordAutomaton(keywords);
  return (text) => automaton.scanAll(text) > 0;
}

export class Matcher {
  readonly rules: CompiledRule[];
  private readonly automaton: KeywordAutomaton;
  /** keyword id -> rule indexes */
  private readonly keywordRules: number[][];
  private readonly alwaysRules: number[];
  private readonly prefilter: boolean;
  private readonly inlineAllow: boolean;
  private readonly maxBytes: number;
  private readonly globalStopwords: string[];
  private readonly globalSecrets: Set<string>;
  private readonly globalRegexes: AllowRegex[];
  private readonly globalPathAllowed: ((p: string) => boolean) | undefined;
  private readonly keywordRulesI32: Int32Array[];
  private readonly perRuleCount: Int32Array;
  private readonly perRuleFill: Int32Array;
  private activePath: string | undefined;
  private activeMask: Uint8Array | undefined;

  constructor(specs: RuleSpec[], opts: MatcherOptions = {}) {
    this.prefilter = opts.prefilter ?? true;
    this.inlineAllow = opts.inlineAllow ?? true;
    this.maxBytes = opts.maxBytes ?? Infinity;
    const allow = opts.allow;
    this.globalStopwords = (allow?.stopwords ?? []).map((s) => s.toLowerCase());
    this.globalSecrets = new Set(allow?.secrets ?? []);
    this.globalRegexes = (allow?.regexes ?? []).map((r) => compileAllowRegex(r.pattern, r.target));
    this.globalPathAllowed = allow?.paths.length ? lazyGlob(allow.paths) : undefined;
    const keywordIds = new Map<string, number>();
    const keywords: string[] = [];
    this.keywordRules = [];
    this.alwaysRules = [];
    this.rules = specs.map((spec, index) => {
      let p: Compiled;
      try {
        p = compilePattern(spec.pattern, spec.flags);
      } catch (e) {
        // RE2 refuses some patterns our parser accepts (e.g. a program too large after expanding repetitions).
        throw ruleFileError(spec.source.file, spec.source.line, `pattern does not compile: ${(e as Error).message}`, spec.id);
      }
      if (spec.keywords.length === 0) this.alwaysRules.push(index);
      for (const kw of spec.keywords) {
        const k = kw.toLowerCase();
        let id = keywordIds.get(k);
        if (id === undefined) {
          id = keywords.length;
          keywords.push(k);
          keywordIds.set(k, id);
          this.keywordRules.push([]);
        }
        this.keywordRules[id]!.push(index);
      }
      const rule: CompiledRule = {
        spec,
        id: spec.id,
        multiline: spec.multiline === true,
        always: spec.keywords.length === 0,
        index,
        pattern: p,
        secretGroup: spec.secretGroup,
        groupNames: p.groupNames,
        allowSecrets: new Set(spec.allowSecrets),
        stopwords: spec.stopwords.map((s) => s.toLowerCase()),
        allowRegexes: spec.allowRegexes.map((r) => compileAllowRegex(r.pattern, r.target)),
        validators: (spec.validate ?? []).map((v) => {
          const f = VALIDATORS[v];
          if (!f) throw new Error(`unknown validator '${v}'`);
          return f;
        }),
        pathAllowed: spec.allowPaths.length ? lazyGlob(spec.allowPaths) : null,
        pathOnly: spec.paths.length ? lazyGlob(spec.paths) : null,
      };
      return rule;
    });
    this.automaton = new KeywordAutomaton(keywords);
    this.keywordRulesI32 = this.keywordRules.map((rs) => Int32Array.from(rs));
    this.perRuleCount = new Int32Array(this.rules.length);
    this.perRuleFill = new Int32Array(this.rules.length);
  }

  /** Decodes and scans one unit. */
  scanUnit(unit: ScanUnit): UnitResult {
    if (unit.text !== undefined) return this.scanText(unit.text, unit.id, unit.pathHint, unit.text.length);
    const bytes = unit.bytes ?? new Uint8Array(0);
    if (bytes.length > this.maxBytes) return { unitId: unit.id, matches: [], skipped: 'too-large', bytes: bytes.length };
    const d = decodeUnit(bytes);
    if ('skipped' in d) return { unitId: unit.id, matches: [], skipped: d.skipped, bytes: bytes.length };
    const r = this.scanText(d.text, unit.id, unit.pathHint, bytes.length);
    r.encoding = d.encoding;
    return r;
  }

  /**
   * The keyword hits scanText would start from (undefined without the prefilter), to keep and derive the hits of
   * texts built from this one (see KeywordAutomaton.derive).
   */
  keywordHits(text: string): KeywordHits | undefined {
    return this.prefilter ? this.automaton.hits(this.automaton.scanAll(text)) : undefined;
  }

  /** See KeywordAutomaton.derive. */
  deriveHits(base: KeywordHits, runs: Int32Array, length: number, slice: (from: number, to: number) => string): KeywordHits {
    return this.automaton.derive(base, runs, length, slice);
  }

  /** Whether a text without keyword hits has no matches (the prefilter is on and every rule has keywords). */
  get hitsDecide(): boolean {
    return this.prefilter && this.alwaysRules.length === 0;
  }

  /** Scans a text; `given`: its keyword hits, when the caller has them (keywordHits, deriveHits). */
  scanText(text: string, unitId: string, pathHint?: string, bytes = text.length, given?: KeywordHits): UnitResult {
    const matches: RawMatch[] = [];
    const result: UnitResult = { unitId, matches, bytes };
    if (pathHint !== undefined && this.globalPathAllowed?.(pathHint)) return result;
    const nRules = this.rules.length;
    // Whether a rule applies to this path is asked only of rules that have work here (keyword hits, or no keywords):
    // a unit without hits compiles and evaluates no rule's path globs.
    this.forPath(pathHint);
    // Hits per rule: flat [start, end, start, end, ...] in order of end position.
    const hits: Array<Int32Array | number[] | undefined> = new Array(nRules);
    if (this.prefilter) {
      // Two passes over the hit buffer (count, then fill exact-size arrays): no per-hit closures or array growth.
      const ac = this.automaton;
      const count = given !== undefined ? given.count : ac.scanAll(text);
      const kr = this.keywordRulesI32;
      const lens = ac.lengths;
      const perRule = this.perRuleCount.fill(0);
      const kwBuf = given !== undefined ? given.kw : ac.hitKw;
      const endBuf = given !== undefined ? given.end : ac.hitEnd;
      for (let i = 0; i < count; i++) {
        const rs = kr[kwBuf[i]!]!;
        for (let j = 0; j < rs.length; j++) perRule[rs[j]!]!++;
      }
      const fill = this.perRuleFill.fill(0);
      for (let r = 0; r < nRules; r++) if (perRule[r]! > 0 && this.applies(r, pathHint)) hits[r] = new Int32Array(perRule[r]! * 2);
      for (let i = 0; i < count; i++) {
        const k = kwBuf[i]!;
        const e = endBuf[i]!;
        const rs = kr[k]!;
        for (let j = 0; j < rs.length; j++) {
          const r = rs[j]!;
          const arr = hits[r] as Int32Array | undefined;
          if (!arr) continue;
          const at = fill[r]!;
          arr[at] = e - lens[k]!;
          arr[at + 1] = e;
          fill[r] = at + 2;
        }
      }
    } else {
      const lower = text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
      const lists: Array<number[] | undefined> = new Array(nRules);
      this.automaton.keywords.forEach((kw, k) => {
        for (let i = lower.indexOf(kw); i !== -1; i = lower.indexOf(kw, i + 1))
          for (const r of this.keywordRules[k]!) if (this.applies(r, pathHint)) (lists[r] ??= []).push(i, i + kw.length);
      });
      lists.forEach((h, r) => {
        if (!h) return;
        sortPairs(h);
        hits[r] = h;
      });
    }
    const ctx = new LineIndex(text, unitId);
    for (let r = 0; r < nRules; r++) {
      const rule = this.rules[r]!;
      const h = hits[r];
      const always = rule.always;
      if (!h && !always) continue;
      // Rules with hits were asked when their hits were gathered; rules without keywords are asked here.
      if (!h && !this.applies(r, pathHint)) continue;
      // `^`/`$` without the m flag mean the unit's start and end: such a pattern runs on the whole unit.
      if (rule.pattern.anchoredToUnit) this.runWindow(rule, text, 0, text.length, h, ctx, matches);
      else if (always || !this.prefilter) {
        // Whole unit: one window, or one per line for rules that stay within a line.
        if (rule.multiline || !rule.pattern.multiline) this.runWindow(rule, text, 0, text.length, h, ctx, matches);
        else for (const [ls, le] of ctx.allLines()) this.runWindow(rule, text, ls, le, h, ctx, matches);
      }
      else this.runWindows(rule, text, h!, ctx, matches);
    }
    if (matches.length > 1) matches.sort((a, b) => a.start - b.start || a.end - b.end || (a.ruleId < b.ruleId ? -1 : 1));
    return result;
  }

  /** Starts answering `applies` for `pathHint` (answers are kept while the path stays the same). */
  private forPath(pathHint: string | undefined): void {
    if (pathHint === this.activePath && this.activeMask !== undefined) return;
    this.activePath = pathHint;
    if (this.activeMask === undefined) this.activeMask = new Uint8Array(this.rules.length);
    else this.activeMask.fill(0);
  }

  /** Whether rule r applies to the current path (see forPath): 1 yes, 2 no, 0 not asked yet. */
  private applies(r: number, pathHint: string | undefined): boolean {
    const mask = this.activeMask!;
    const known = mask[r]!;
    if (known !== 0) return known === 1;
    const rule = this.rules[r]!;
    const yes = pathHint === undefined || !((rule.pathAllowed !== null && rule.pathAllowed(pathHint)) || (rule.pathOnly !== null && !rule.pathOnly(pathHint)));
    mask[r] = yes ? 1 : 2;
    return yes;
  }

  private runWindows(rule: CompiledRule, text: string, h: Int32Array | number[], ctx: LineIndex, out: RawMatch[]): void {
    const reach = rule.pattern.reach + 1;
    // Dense hits (a generic keyword on most lines): the windows would cover most of the unit anyway, and one pass of
    // a proven-linear V8 pattern over the whole unit is cheaper than thousands of windows. Same matches: a match
    // must still contain a hit, and a pattern that cannot match a line break cannot cross one.
    if (rule.pattern.engine === 'v8' && (!rule.pattern.multiline || rule.multiline) && (h.length / 2) * Math.min(2 * reach, 400) > text.length) {
      this.runWindow(rule, text, 0, text.length, h, ctx, out);
      return;
    }
    const maxWindow = rule.pattern.engine === 're2' ? RE2_MAX_WINDOW : Infinity;
    let ws = -1;
    let we = -1;
    const flush = (): void => {
      if (ws >= 0) this.runWindow(rule, text, ws, we, h, ctx, out);
    };
    // Hits arrive ordered by end; starts are not monotone across keywords of different lengths.
    // A rule matches within one line unless it is declared `multiline` (and a pattern that cannot match a line
    // break never crosses one anyway): clip its windows to the hit's line. This keeps RE2 rules (whose reach is
    // large when unbounded) cheap on ordinary source.
    const clip = !rule.pattern.multiline || !rule.multiline;
    for (let i = 0; i < h.length; i += 2) {
      let s = Math.max(0, h[i]! - reach);
      let e = Math.min(text.length, h[i + 1]! + reach);
      if (clip) {
        const [ls, le] = ctx.lineBounds(h[i]!);
        if (s < ls) s = ls;
        if (e > le) e = le;
      }
      if (ws >= 0 && s <= we && e - ws <= maxWindow) {
        if (s < ws) ws = s;
        if (e > we) we = e;
      } else {
        flush();
        ws = s;
        we = e;
      }
    }
    flush();
  }

  private runWindow(
    rule: CompiledRule,
    text: string,
    ws: number,
    we: number,
    h: Int32Array | number[] | undefined,
    ctx: LineIndex,
    out: RawMatch[],
  ): void {
    const win = ws === 0 && we === text.length ? text : text.slice(ws, we);
    const needKeyword = !rule.always;
    rule.pattern.forEach(win, (m, s, e) => {
      const start = ws + s;
      const end = ws + e;
      if (needKeyword && !(h && containsHit(h, start, end))) return 'reject';
      const g = rule.secretGroup;
      const span = g === 0 ? ([start, end] as [number, number]) : rule.pattern.groupSpan(m, start, g);
      if (!span) return 'reject';
      const [ss, se] = span;
      const secret = text.slice(ss, se);
      if (!this.accepts(rule, secret, m[0], ss, se, ctx, text)) return 'reject';
      const groups: Record<string, string> = {};
      for (const [name, idx] of rule.groupNames) {
        const v = m[idx];
        if (v !== undefined) groups[name] = v;
      }
      const [line, column] = ctx.position(ss);
      const [endLine, endColumn] = ctx.endPosition(se);
      out.push({
        ruleId: rule.id,
        unitId: ctx.unitId,
        start: ss,
        end: se,
        line,
        column,
        endLine,
        endColumn,
        secret,
        match: m[0],
        entropy: shannon(secret),
        groups,
      });
      return 'accept';
    });
  }

  private accepts(rule: CompiledRule, secret: string, match: string, ss: number, se: number, ctx: LineIndex, text: string): boolean {
    const spec = rule.spec;
    if (secret.length === 0) return false;
    if (spec.minLength !== undefined && secret.length < spec.minLength) return false;
    if (spec.entropy !== undefined && shannon(secret) < spec.entropy) return false;
    for (const v of rule.validators) if (!v(secret)) return false;
    if (rule.allowSecrets.has(secret) || this.globalSecrets.has(secret)) return false;
    if (rule.stopwords.length || this.globalStopwords.length) {
      const lower = secret.toLowerCase();
      for (const w of rule.stopwords) if (lower.includes(w)) return false;
      for (const w of this.globalStopwords) if (lower.includes(w)) return false;
    }
    const regexes = rule.allowRegexes.length || this.globalRegexes.length;
    const needLine = regexes || this.inlineAllow;
    const line = needLine ? ctx.lineText(ss, se, text) : '';
    if (regexes) {
      const pick = (a: AllowRegex): string => (a.target === 'secret' ? secret : a.target === 'match' ? match : line);
      for (const a of rule.allowRegexes) if (a.test(pick(a))) return false;
      for (const a of this.globalRegexes) if (a.test(pick(a))) return false;
    }
    if (this.inlineAllow) {
      for (const mk of INLINE_ALLOW_MARKERS) if (line.includes(mk)) return false;
      const prev = ctx.previousLineText(ss, text);
      if (prev) for (const mk of NEXTLINE_MARKERS) if (prev.includes(mk)) return false;
    }
    return true;
  }
}

function sortPairs(h: number[]): void {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < h.length; i += 2) pairs.push([h[i]!, h[i + 1]!]);
  pairs.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  pairs.forEach(([s, e], i) => {
    h[2 * i] = s;
    h[2 * i + 1] = e;
  });
}

/** Whether some hit [s, e) lies inside [start, end). Hits are ordered by end. */
function containsHit(h: Int32Array | number[], start: number, end: number): boolean {
  // Binary search the first hit whose end is > start, then walk while end <= `end`.
  let lo = 0;
  let hi = h.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (h[2 * mid + 1]! <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < h.length / 2; i++) {
    const e = h[2 * i + 1]!;
    if (e > end) return false;
    if (h[2 * i]! >= start) return true;
  }
  return false;
}

/** Line and column for offsets, built lazily (only units with a match pay for it). */
export class LineIndex {
  private starts: Int32Array | undefined;
  constructor(
    private readonly text: string,
    readonly unitId: string,
  ) {}

  private build(): Int32Array {
    const t = this.text;
    const list: number[] = [0];
    for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) list.push(i + 1);
    this.starts = Int32Array.from(list);
    return this.starts;
  }

  private cursor = 0;

  lineOf(offset: number): number {
    const starts = this.starts ?? this.build();
    // Queries mostly move forward a little (hits come in order): try the last line and its next ones first.
    let c = this.cursor;
    if (starts[c]! <= offset) {
      for (let k = 0; k < 8 && c + 1 < starts.length && starts[c + 1]! <= offset; k++) c++;
      if (c + 1 >= starts.length || starts[c + 1]! > offset) {
        this.cursor = c;
        return c;
      }
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.cursor = lo;
    return lo;
  }

  /** Every line as [start, end), without line breaks. */
  *allLines(): Generator<[number, number]> {
    const starts = this.starts ?? this.build();
    for (let l = 0; l < starts.length; l++) yield [starts[l]!, l + 1 < starts.length ? starts[l + 1]! - 1 : this.text.length];
  }

  /** The line found by the last local search (lineBounds without an index). */
  private near: [number, number] = [-1, -1];
  /** Characters the local searches have looked at; past twice the text, the index is cheaper. */
  private searched = 0;

  /** [start, end) of the line holding `offset`, without its line break. */
  lineBounds(offset: number): [number, number] {
    // Windows are clipped to the lines of keyword hits in nearly every unit, but a line index costs a pass over the
    // whole text and an array entry per line (~4 % of an audit's CPU); the hit's own line is found by searching
    // around it, reusing the last line found (hits come in order). Bounded: once the searches have looked at more
    // than twice the text (many hits on long lines), the index is built and used instead.
    if (this.starts === undefined && this.searched <= 2 * this.text.length) {
      const near = this.near;
      if (offset >= near[0] && offset <= near[1]) return near;
      const t = this.text;
      const s = offset === 0 ? 0 : t.lastIndexOf('\n', offset - 1) + 1;
      let e = t.indexOf('\n', offset);
      if (e === -1) e = t.length;
      this.searched += e - s + 1;
      this.near = [s, e];
      return this.near;
    }
    const l = this.lineOf(offset);
    const starts = this.starts!;
    const end = l + 1 < starts.length ? starts[l + 1]! - 1 : this.text.length;
    return [starts[l]!, end];
  }

  /** 1-based line and column (in code points) of the character at `offset`. */
  position(offset: number): [number, number] {
    const l = this.lineOf(offset);
    const ls = this.starts![l]!;
    return [l + 1, codePoints(this.text, ls, offset) + 1];
  }

  /** 1-based line and inclusive column of the last character before `end`. */
  endPosition(end: number): [number, number] {
    const last = Math.max(0, end - 1);
    const l = this.lineOf(last);
    const ls = this.starts![l]!;
    return [l + 1, codePoints(this.text, ls, end)];
  }

  /** The text of the line(s) spanned by [s, e), without line terminators. */
  lineText(s: number, e: number, text: string): string {
    const l1 = this.lineOf(s);
    const l2 = this.lineOf(Math.max(s, e - 1));
    const starts = this.starts!;
    const from = starts[l1]!;
    const to = l2 + 1 < starts.length ? starts[l2 + 1]! - 1 : text.length;
    return text.slice(from, to);
  }

  previousLineText(s: number, text: string): string | undefined {
    const l = this.lineOf(s);
    if (l === 0) return undefined;
    const starts = this.starts!;
    return text.slice(starts[l - 1]!, starts[l]! - 1);
  }
}

function codePoints(text: string, from: number, to: number): number {
  let n = to - from;
  for (let i = from; i < to - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export { PatternError };
