// Format-true secret generation for the accuracy benchmark: draws a random secret from the structure of a rule's
// secret capture group (the parsed AST of its pattern), then applies the rule's checksums and entropy floor.
// Owns: `secretGen(rule)` -> a generator of fresh secrets for that rule, or a reason why it cannot make one.
// May import: matcher/regex/parse (AST only), matcher/checks (entropy, CRC32), ./synth (PRNG). Everything drawn is
// random: nothing here is, or was, a real credential.
import { type Node, emit, parsePattern } from '../../src/matcher/regex/parse.js';
import { base62, crc32, shannon } from '../../src/matcher/checks.js';
import type { GlobalAllowlist, RuleSpec } from '../../src/types/index.js';
import type { Rng } from './synth.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Symbols a broad class (`[^\s"']`, `\S`, `.`) may contribute: ones that survive in URLs, shells and quotes. */
const SAFE_SYMBOLS = '-_.~!+=*';
/** Sets wider than this are "broad": they say where a value ends rather than what it is made of. */
const BROAD = 95;

function members(ranges: Array<[number, number]>, lo: number, hi: number): string {
  let s = '';
  for (const [a, b] of ranges) for (let c = Math.max(a, lo); c <= Math.min(b, hi); c++) s += String.fromCharCode(c);
  return s;
}

function size(ranges: Array<[number, number]>): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** One character from a set, the way a real value would use it. */
function drawChar(ranges: Array<[number, number]>, g: Rng): string {
  const printable = members(ranges, 0x21, 0x7e);
  if (printable.length === 0) {
    const ws = members(ranges, 0x09, 0x20);
    return ws.includes(' ') ? ' ' : (ws[0] ?? String.fromCharCode(ranges[0]![0]));
  }
  if (printable.length === 1) return printable;
  if (size(ranges) > BROAD) {
    // Broad: mostly alphanumeric, sometimes a symbol the set allows.
    const alnum = [...printable].filter((c) => ALNUM.includes(c)).join('');
    const sym = [...SAFE_SYMBOLS].filter((c) => printable.includes(c)).join('');
    const pool = sym && g() < 0.1 ? sym : alnum || printable;
    return pool[Math.floor(g() * pool.length)]!;
  }
  // An explicit class (hex, base32, base64, [a-z0-9_-]): every member is part of the format. Quotes and backslashes
  // would need escaping in the contexts we plant into, so they are left out when the class has other members.
  const plain = [...printable].filter((c) => !`"'\`\\`.includes(c)).join('') || printable;
  return plain[Math.floor(g() * plain.length)]!;
}

function draw(n: Node, g: Rng, out: string[]): void {
  switch (n.t) {
    case 'set':
      out.push(drawChar(n.set.ranges, g));
      return;
    case 'seq':
      for (const x of n.items) draw(x, g, out);
      return;
    case 'alt':
      draw(n.alts[Math.floor(g() * n.alts.length)]!, g, out);
      return;
    case 'group':
      draw(n.body, g, out);
      return;
    case 'repeat': {
      // Bounded: anywhere in the bounds (long ranges capped at min + 64). Unbounded: min plus up to 32 more.
      const hi = n.max === Infinity ? n.min + Math.max(8, Math.min(32, n.min)) : Math.min(n.max, n.min + 64);
      const count = n.min + Math.floor(g() * (hi - n.min + 1));
      for (let i = 0; i < count; i++) draw(n.body, g, out);
      return;
    }
    case 'assert':
      return;
  }
}

function findGroup(n: Node, index: number): Node | undefined {
  switch (n.t) {
    case 'group':
      return n.capture === index ? n.body : findGroup(n.body, index);
    case 'seq':
      for (const x of n.items) {
        const f = findGroup(x, index);
        if (f) return f;
      }
      return undefined;
    case 'alt':
      for (const x of n.alts) {
        const f = findGroup(x, index);
        if (f) return f;
      }
      return undefined;
    case 'repeat':
      return findGroup(n.body, index);
    default:
      return undefined;
  }
}

/** Structured secrets (key files): keep header/label lines, redraw every base64 body line with the same length. */
function redrawBody(example: string, g: Rng): string {
  const B64 = ALNUM + '+/';
  return example.replace(/[A-Za-z0-9+/]{16,}(?==*(?:\\n|\r?\n|$|"))/g, (line) => {
    let s = '';
    for (let i = 0; i < line.length; i++) s += B64[Math.floor(g() * B64.length)];
    return s;
  });
}

const B64SEG = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

function decodeSeg(seg: string): { text: string; url: boolean } | undefined {
  const url = /[_-]/.test(seg);
  if (url && /[+/]/.test(seg)) return undefined;
  const text = Buffer.from(seg, url ? 'base64url' : 'base64').toString('latin1');
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) printable++;
  }
  return text.length >= 8 && printable / text.length >= 0.95 ? { text, url } : undefined;
}

/** Whether the secret carries base64 of readable text (JWT claims, `tok:...`, `user:password`). */
function decodable(secret: string): boolean {
  return [...secret.matchAll(B64SEG)].some((m) => decodeSeg(m[0]));
}

function redrawRun(run: string, g: Rng): string {
  const hex = /^[0-9a-f]+$/.test(run) && /[a-f]/.test(run);
  let s = '';
  for (const c of run) {
    const pool = hex ? '0123456789abcdef' : /[0-9]/.test(c) ? '0123456789' : /[a-z]/.test(c) ? 'abcdefghijklmnopqrstuvwxyz' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    s += pool[Math.floor(g() * pool.length)];
  }
  return s;
}

/**
 * Base64 of text: decode, redraw the identifiers in it (see below), encode again the same way. Segments that are not text (a JWT
 * signature) are redrawn at random with the same length and alphabet.
 */
function redrawDecoded(secret: string, g: Rng): string {
  return secret.replace(B64SEG, (seg) => {
    const d = decodeSeg(seg);
    const alphabet = /[_-]/.test(seg) ? ALNUM + '_-' : ALNUM + '+/';
    if (!d) {
      const pad = /=*$/.exec(seg)![0];
      let s = '';
      for (let i = 0; i < seg.length - pad.length; i++) s += alphabet[Math.floor(g() * alphabet.length)];
      return s + pad;
    }
    // Identifiers (runs with digits or mixed case) are redrawn; words (all one case: kubernetes, PRIVATE) and JSON
    // keys are structure and stay.
    const text = d.text.replace(/[A-Za-z0-9]{7,}(?![A-Za-z0-9]|"\s*:)/g, (run) =>
      /[0-9]/.test(run) || (/[a-z]/.test(run) && /[A-Z]/.test(run)) ? redrawRun(run, g) : run,
    );
    const enc = Buffer.from(text, 'latin1').toString(d.url ? 'base64url' : 'base64');
    // Keep the example's padding convention (JWT segments and many tokens drop it).
    return seg.endsWith('=') ? enc : enc.replace(/=+$/, '');
  });
}

/** Fixes the CRC32 suffix of a GitHub/npm-style token: prefix_ + random + base62(crc32(random), 6). */
function fixCrc(s: string): string {
  const us = s.lastIndexOf('_');
  const body = s.slice(us + 1);
  if (body.length < 7) return s;
  const random = body.slice(0, -6);
  return s.slice(0, us + 1) + random + base62(crc32(random), 6);
}

export interface SecretGen {
  /** How the secret is drawn: `ast` (from the secret group) or `body` (example's structure, base64 body redrawn). */
  mode: 'ast' | 'body' | 'decoded';
  /** A fresh secret, or undefined if no draw met the rule's format constraints in 200 tries. */
  next(g: Rng, exampleSecret: string): string | undefined;
}

/**
 * Rejections are format reasons only: the draw must match the secret group (anchored, with the rule's flags),
 * reach the entropy floor and minimum length, pass the checksums, and not be a value the catalogue deliberately
 * treats as a placeholder (a stopword or allowlisted secret). Whether the full rule matches is never consulted.
 */
export function secretGen(rule: RuleSpec, allow: GlobalAllowlist, ex0: string): SecretGen {
  const flags = rule.flags.replace(/[^is]/g, '');
  const parsed = parsePattern(rule.pattern, flags);
  const body = rule.secretGroup === 0 ? parsed.ast : findGroup(parsed.ast, rule.secretGroup);
  if (!body) throw new Error(`${rule.id}: secret group ${rule.secretGroup} not found`);
  // The secret group's own source, anchored, checks each draw (assertions inside the group included).
  const whole = new RegExp(`^(?:${emit(body, 'v8')})$`, parsed.flags.i ? 'i' : '');
  const stop = [...allow.stopwords, ...rule.stopwords].map((w) => w.toLowerCase());
  const crc = rule.validate?.some((v) => v.endsWith('crc32')) ?? false;
  // Key files (the secret spans lines): keep their structure, redraw the base64 body.
  const mode: SecretGen['mode'] = ex0.includes('\n') || ex0.includes('\\n') ? 'body' : decodable(ex0) ? 'decoded' : 'ast';
  const ok = (s: string): boolean =>
    whole.test(s) &&
    shannon(s) >= (rule.entropy ?? 0) &&
    s.length >= (rule.minLength ?? 0) &&
    !rule.allowSecrets.includes(s) &&
    !allow.secrets.includes(s) &&
    !stop.some((w) => s.toLowerCase().includes(w)) &&
    !allow.regexes.some((a) => a.target !== 'match' && a.target !== 'line' && new RegExp(a.pattern, 'i').test(s));
  return {
    mode,
    next(g, exampleSecret) {
      for (let attempt = 0; attempt < 200; attempt++) {
        let s: string;
        if (mode === 'body') s = redrawBody(exampleSecret, g);
        else if (mode === 'decoded' && attempt < 100) s = redrawDecoded(exampleSecret, g);
        else {
          const out: string[] = [];
          draw(body, g, out);
          s = out.join('');
        }
        if (crc) s = fixCrc(s);
        if (ok(s)) return s;
      }
      return undefined;
    },
  };
}
