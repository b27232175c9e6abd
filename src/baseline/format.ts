// The baseline file format: data types, canonical serialisation and validation of `.leakhound-baseline.json`.
// Owns: what the file looks like on disk (mirrored by schemas/baseline.schema.json), how bytes become a Baseline
// (parse + validate, with precise errors) and how a Baseline becomes bytes (one canonical text per value).
// May import: types, errors, node:crypto (salt generation only). No fs here (see io.ts).
//
// Canonical text (so that re-runs are byte-identical and git merges line by line):
// - 2-space indentation, `"key": value`, LF line ends, a trailing newline, no BOM;
// - records (the top level, an entry, a triage, an occurrence) are written in the fixed field order of this file's
//   interfaces; maps (`entries`, `seenTips`, `scanned`, `facts`) are written sorted by key (UTF-16 code-unit order,
//   locale-independent);
// - arrays keep their (already sorted) order; empty arrays/objects are `[]` / `{}`;
// - nothing that changes on every run (no `generated_at`, no run timestamps at the top level).
import { randomBytes } from 'node:crypto';
import { LeakhoundError } from '../errors/index.js';
import type { FindingStatus, VerificationStatus } from '../types/index.js';

export const BASELINE_VERSION = 1;
export const BASELINE_TOOL = 'leakhound';
export const DEFAULT_BASELINE_FILE = '.leakhound-baseline.json';
/** Occurrences stored per entry; `occurrenceCount` keeps the true total. */
export const DEFAULT_MAX_OCCURRENCES = 20;
/** Hex characters of the hash shown in a key (`<ruleId>:<16 hex>`); longer only on a (64-bit) prefix collision. */
export const KEY_HASH_CHARS = 16;

/** scrypt cost parameters (node:crypto names). Stored in the file so old baselines keep hashing the same way. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keylen: number;
}

export interface KdfSettings {
  /**
   * A secret whose estimated entropy (code points × Shannon bits per code point) is below this many bits is hashed
   * with scrypt instead of HMAC-SHA-256. See identity.ts for the reasoning.
   */
  lowEntropyBelowBits: number;
  scrypt: ScryptParams;
}

export const DEFAULT_KDF: KdfSettings = {
  lowEntropyBelowBits: 128,
  scrypt: { N: 16384, r: 8, p: 1, keylen: 32 },
};

export type HashAlg = 'hmac-sha256' | 'scrypt';

/** A verification as remembered by the baseline (a VerificationResult without anything run-specific). */
export interface BaselineVerification {
  status: VerificationStatus;
  /** ISO 8601. */
  checkedAt: string;
  detail?: string;
  /** Never the secret. */
  facts?: Record<string, string>;
}

export type TriageState = 'open' | 'accepted' | 'false-positive' | 'rotated';

export type Triage =
  | { state: 'open' }
  | {
      state: 'accepted';
      reason: string;
      by: string;
      /** ISO 8601 time of the decision. */
      at: string;
      /** `YYYY-MM-DD` (valid through that UTC day) or an ISO 8601 instant; from then on the finding counts as new. */
      expires?: string;
    }
  | { state: 'false-positive'; reason: string; by: string; at: string }
  | {
      state: 'rotated';
      /** ISO 8601 time the secret was rotated/revoked (or marked so). */
      at: string;
      by?: string;
      reason?: string;
      /** A verification that showed the old secret to be invalid. */
      confirmedBy?: BaselineVerification;
    };

export interface BaselineOccurrence {
  path: string;
  line: number;
  /** Absent for working-tree / staged / stdin sources. */
  commit?: string;
}

/** One distinct secret (per rule). Everything but `ruleId` + `hash` is metadata or triage. */
export interface BaselineEntry {
  ruleId: string;
  /** 64 hex: HMAC-SHA-256(salt, secret) or scrypt(secret, salt, kdf.scrypt), see `alg`. */
  hash: string;
  alg: HashAlg;
  triage: Triage;
  /** As of the last run that found it. */
  status: FindingStatus;
  /** False when the last full run did not find this secret anywhere (a `prune` candidate; an unused suppression). */
  found: boolean;
  /** Total occurrences known; `occurrences` holds at most the configured cap of them. */
  occurrenceCount: number;
  occurrences: BaselineOccurrence[];
  /** Commit OIDs, sorted. */
  introducedIn: string[];
  removedIn: string[];
  /** Refs whose tip still contains the secret, sorted. */
  atTips: string[];
  verification?: BaselineVerification;
}

export type ScannedValue = string | number | boolean | string[];

export interface Baseline {
  version: typeof BASELINE_VERSION;
  tool: typeof BASELINE_TOOL;
  /** 64 hex (32 random bytes), the HMAC / scrypt key. Generated once per baseline, never changed. */
  salt: string;
  kdf: KdfSettings;
  /** Settings of the runs that matter to interpret the entries (e.g. `{"refs": "all", "unreachable": true}`). */
  scanned: Record<string, ScannedValue>;
  /** Ref name -> commit OID seen by the last run that covered it (incremental audits start from these). */
  seenTips: Record<string, string>;
  /** Key (`<ruleId>:<hash prefix>`) -> entry. */
  entries: Record<string, BaselineEntry>;
}

/** A new, empty baseline with a fresh random salt. */
export function createBaseline(opts: { salt?: string; kdf?: KdfSettings; scanned?: Record<string, ScannedValue> } = {}): Baseline {
  const salt = opts.salt ?? randomBytes(32).toString('hex');
  if (!/^[0-9a-f]{64}$/.test(salt)) throw new LeakhoundError('E_USAGE', 'baseline salt must be 64 lowercase hex characters');
  return {
    version: BASELINE_VERSION,
    tool: BASELINE_TOOL,
    salt,
    kdf: structuredClone(opts.kdf ?? DEFAULT_KDF),
    scanned: structuredClone(opts.scanned ?? {}),
    seenTips: {},
    entries: {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Canonical serialisation

const TOP_ORDER = ['version', 'tool', 'salt', 'kdf', 'scanned', 'seenTips', 'entries'] as const;
const KDF_ORDER = ['lowEntropyBelowBits', 'scrypt'];
const SCRYPT_ORDER = ['N', 'r', 'p', 'keylen'];
const ENTRY_ORDER = [
  'ruleId',
  'hash',
  'alg',
  'triage',
  'status',
  'found',
  'occurrenceCount',
  'occurrences',
  'introducedIn',
  'removedIn',
  'atTips',
  'verification',
];
const TRIAGE_ORDER = ['state', 'reason', 'by', 'at', 'expires', 'confirmedBy'];
const OCC_ORDER = ['path', 'line', 'commit'];
const VERIF_ORDER = ['status', 'checkedAt', 'detail', 'facts'];


/** Map with sorted keys, or record with a fixed order (unknown keys are not written). */
function ordered(obj: Record<string, unknown>, order: readonly string[] | 'sorted'): [string, unknown][] {
  const keys = order === 'sorted' ? Object.keys(obj).sort(cmp) : order.filter((k) => obj[k] !== undefined);
  return keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(v: unknown, shape: Shape, indent: string): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new LeakhoundError('E_INTERNAL', 'non-finite number in baseline');
    return JSON.stringify(v);
  }
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const item = typeof shape === 'object' && 'items' in shape ? shape.items : 'any';
    return '[\n' + v.map((x) => inner + write(x, item, inner)).join(',\n') + '\n' + indent + ']';
  }
  const obj = v as Record<string, unknown>;
  let pairs: [string, unknown][];
  let child: (k: string) => Shape;
  if (typeof shape === 'object' && 'fields' in shape) {
    const fields = shape.fields;
    pairs = ordered(obj, Object.keys(fields));
    child = (k) => fields[k] ?? 'any';
  } else if (typeof shape === 'object' && 'values' in shape) {
    const values = shape.values;
    pairs = ordered(obj, 'sorted');
    child = () => values;
  } else {
    pairs = ordered(obj, 'sorted');
    child = () => 'any';
  }
  if (pairs.length === 0) return '{}';
  return '{\n' + pairs.map(([k, x]) => inner + JSON.stringify(k) + ': ' + write(x, child(k), inner)).join(',\n') + '\n' + indent + '}';
}

type Shape = 'any' | { fields: Record<string, Shape> } | { values: Shape } | { items: Shape };
const rec = (order: readonly string[], sub: Record<string, Shape> = {}): Shape => ({
  fields: Object.fromEntries(order.map((k) => [k, sub[k] ?? 'any'])),
});
const VERIF_SHAPE = rec(VERIF_ORDER, { facts: { values: 'any' } });
const ENTRY_SHAPE = rec(ENTRY_ORDER, {
  triage: rec(TRIAGE_ORDER, { confirmedBy: VERIF_SHAPE }),
  occurrences: { items: rec(OCC_ORDER) },
  verification: VERIF_SHAPE,
});
const BASELINE_SHAPE = rec(TOP_ORDER, {
  kdf: rec(KDF_ORDER, { scrypt: rec(SCRYPT_ORDER) }),
  scanned: { values: 'any' },
  seenTips: { values: 'any' },
  entries: { values: ENTRY_SHAPE },
});

/** The canonical text of a baseline (what `save` writes). Same value -> same bytes. */
export function serialize(b: Baseline): string {
  return write(b, BASELINE_SHAPE, '') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing and validation

/** Where a JSON text stops being JSON: 0-based offset and what was expected there. */
export function locateJsonError(text: string): { offset: number; expected: string } | undefined {
  let i = 0;
  const n = text.length;
  class Stop {
    constructor(readonly expected: string) {}
  }
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= n) throw new Stop('a closing \'"\'');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            throw new Stop('4 hex digits after \\u');
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          throw new Stop('a valid escape character');
        }
      } else if (c < 0x20) throw new Stop('no control characters inside a string');
      else i++;
    }
  };
  const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): void => {
    if (depth > 200) throw new Stop('less nesting');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop('a string key');
        str();
        ws();
        if (text[i] !== ':') throw new Stop("':'");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        throw new Stop("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        throw new Stop("',' or ']'");
      }
    }
    if (c === '"') return str();
    num.lastIndex = i;
    if (c !== undefined && /[-0-9]/.test(c) && num.test(text)) {
      i = num.lastIndex;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    throw new Stop(i >= n ? 'more input (the file is truncated)' : 'a JSON value');
  };
  try {
    value(0);
    ws();
    if (i < n) throw new Stop('end of input');
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { offset: i, expected: e.expected };
    throw e;
  }
}

/** 1-based line and column (UTF-16 code units) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      last = k;
    }
  }
  return { line, column: offset - last };
}

function corrupt(file: string, what: string, data: Record<string, unknown> = {}): LeakhoundError {
  return new LeakhoundError('E_BASELINE_CORRUPT', `${file}: ${what}`, { file, ...data });
}

/** Recognise other tools' files so the error can say what it is and how to import it. */
function describeForeign(v: unknown): string {
  if (Array.isArray(v)) {
    const first = v[0] as Record<string, unknown> | undefined;
    if (v.length === 0 || (first && typeof first === 'object' && 'RuleID' in first))
      return 'it looks like a gitleaks JSON report; convert it with `leakhound baseline import`';
    return 'it is a JSON array, not a leakhound baseline object';
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('plugins_used' in o || ('results' in o && 'version' in o))
      return 'it looks like a detect-secrets .secrets.baseline; convert it with `leakhound baseline import`';
    if ('fingerprint_algorithm' in o || 'ExactFindings' in o) return 'it looks like a Kingfisher baseline';
    if ('tool' in o) return `its "tool" is ${JSON.stringify(o['tool'])}, not "leakhound"`;
    return 'it has no "tool": "leakhound" marker';
  }
  return `it is a JSON ${v === null ? 'null' : typeof v}, not a leakhound baseline object`;
}

/**
 * Parse and validate baseline text. `file` names the source in errors.
 * Errors: E_BASELINE_CORRUPT (not JSON: names line:column; or JSON that breaks the schema: names the JSON pointer),
 * E_BASELINE_FOREIGN (valid JSON of another tool, or a newer leakhound format version).
 */
export function parseBaseline(text: string, file = '<baseline>'): Baseline {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw corrupt(file, 'the file is empty (truncated?)', { line: 1, column: 1, offset: 0 });
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    const loc = locateJsonError(body) ?? { offset: 0, expected: 'valid JSON' };
    const { line, column } = lineColumn(body, loc.offset);
    const truncated = loc.offset >= body.trimEnd().length;
    throw corrupt(
      file,
      `not valid JSON at line ${line}, column ${column}: expected ${loc.expected}` +
        (truncated ? ' (the file ends early: truncated?)' : ''),
      { line, column, offset: loc.offset },
    );
  }
  if (!v || typeof v !== 'object' || Array.isArray(v) || (v as Record<string, unknown>)['tool'] !== BASELINE_TOOL) {
    throw new LeakhoundError('E_BASELINE_FOREIGN', `${file}: not a leakhound baseline: ${describeForeign(v)}`, { file });
  }
  const o = v as Record<string, unknown>;
  if (typeof o['version'] === 'number' && o['version'] > BASELINE_VERSION) {
    throw new LeakhoundError(
      'E_BASELINE_FOREIGN',
      `${file}: baseline format version ${o['version']} is newer than this leakhound understands (${BASELINE_VERSION}); upgrade leakhound`,
      { file, version: o['version'] },
    );
  }
  const problem = validateBaseline(v);
  if (problem) throw corrupt(file, `${problem.pointer || '/'}: ${problem.message}`, { pointer: problem.pointer });
  return v as Baseline;
}

export interface ValidationProblem {
  /** JSON pointer (RFC 6901) of the offending value. */
  pointer: string;
  message: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const RULE_ID = /^[^\s:]+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const DATE_OR_ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const STATUSES: readonly string[] = ['present', 'history-only', 'unreachable'];
const VSTATUSES: readonly string[] = ['valid', 'invalid', 'unknown', 'canary'];

class Invalid {
  constructor(
    readonly pointer: string,
    readonly message: string,
  ) {}
}
const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function obj(v: unknown, p: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (!isObj(v)) throw new Invalid(p, 'must be an object');
  for (const k of required) if (!(k in v)) throw new Invalid(p, `missing required property "${k}"`);
  for (const k of Object.keys(v))
    if (!required.includes(k) && !optional.includes(k)) throw new Invalid(`${p}/${esc(k)}`, 'unknown property');
  return v;
}
function str(v: unknown, p: string, re?: RegExp, what?: string): string {
  if (typeof v !== 'string') throw new Invalid(p, 'must be a string');
  if (re && !re.test(v)) throw new Invalid(p, `must be ${what ?? `a string matching ${re.source}`}`);
  return v;
}
function int(v: unknown, p: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Invalid(p, `must be an integer >= ${min}`);
  return v;
}
function oneOf(v: unknown, p: string, allowed: readonly string[]): string {
  if (typeof v !== 'string' || !allowed.includes(v)) throw new Invalid(p, `must be one of ${allowed.join(', ')}`);
  return v;
}
function strArray(v: unknown, p: string, re?: RegExp, what?: string): void {
  if (!Array.isArray(v)) throw new Invalid(p, 'must be an array');
  v.forEach((x, i) => str(x, `${p}/${i}`, re, what));
  for (let i = 1; i < v.length; i++)
    if (cmp(v[i - 1] as string, v[i] as string) >= 0) throw new Invalid(`${p}/${i}`, 'must be sorted and without duplicates');
}
function verification(v: unknown, p: string): void {
  const o = obj(v, p, ['status', 'checkedAt'], ['detail', 'facts']);
  oneOf(o['status'], `${p}/status`, VSTATUSES);
  str(o['checkedAt'], `${p}/checkedAt`, ISO, 'an ISO 8601 date-time');
  if (o['detail'] !== undefined) str(o['detail'], `${p}/detail`);
  if (o['facts'] !== undefined) {
    const f = obj(o['facts'], `${p}/facts`, [], Object.keys(o['facts'] as object));
    for (const [k, x] of Object.entries(f)) str(x, `${p}/facts/${esc(k)}`);
  }
}
function triage(v: unknown, p: string): void {
  if (!isObj(v)) throw new Invalid(p, 'must be an object');
  const state = oneOf(v['state'], `${p}/state`, ['open', 'accepted', 'false-positive', 'rotated']);
  if (state === 'open') obj(v, p, ['state']);
  else if (state === 'accepted' || state === 'false-positive') {
    obj(v, p, ['state', 'reason', 'by', 'at'], state === 'accepted' ? ['expires'] : []);
    str(v['reason'], `${p}/reason`);
    str(v['by'], `${p}/by`);
    str(v['at'], `${p}/at`, ISO, 'an ISO 8601 date-time');
    if (v['expires'] !== undefined) str(v['expires'], `${p}/expires`, DATE_OR_ISO, 'a date (YYYY-MM-DD) or ISO 8601 date-time');
  } else {
    obj(v, p, ['state', 'at'], ['by', 'reason', 'confirmedBy']);
    str(v['at'], `${p}/at`, ISO, 'an ISO 8601 date-time');
    if (v['by'] !== undefined) str(v['by'], `${p}/by`);
    if (v['reason'] !== undefined) str(v['reason'], `${p}/reason`);
    if (v['confirmedBy'] !== undefined) verification(v['confirmedBy'], `${p}/confirmedBy`);
  }
}
function entry(key: string, v: unknown, p: string): void {
  const o = obj(v, p, ENTRY_ORDER.filter((k) => k !== 'verification'), ['verification']);
  const ruleId = str(o['ruleId'], `${p}/ruleId`, RULE_ID, 'a rule id without spaces or colons');
  const hash = str(o['hash'], `${p}/hash`, HEX64, '64 lowercase hex characters');
  oneOf(o['alg'], `${p}/alg`, ['hmac-sha256', 'scrypt']);
  const sep = key.lastIndexOf(':');
  const prefix = key.slice(sep + 1);
  if (sep < 0 || key.slice(0, sep) !== ruleId || prefix.length < KEY_HASH_CHARS || !hash.startsWith(prefix))
    throw new Invalid(p, `key must be "<ruleId>:<first ${KEY_HASH_CHARS}+ hex of hash>" of the entry`);
  triage(o['triage'], `${p}/triage`);
  oneOf(o['status'], `${p}/status`, STATUSES);
  if (typeof o['found'] !== 'boolean') throw new Invalid(`${p}/found`, 'must be a boolean');
  const count = int(o['occurrenceCount'], `${p}/occurrenceCount`, 0);
  if (!Array.isArray(o['occurrences'])) throw new Invalid(`${p}/occurrences`, 'must be an array');
  o['occurrences'].forEach((x, i) => {
    const q = `${p}/occurrences/${i}`;
    const oc = obj(x, q, ['path', 'line'], ['commit']);
    str(oc['path'], `${q}/path`);
    int(oc['line'], `${q}/line`, 0);
    if (oc['commit'] !== undefined) str(oc['commit'], `${q}/commit`, OID, 'a commit OID (40 or 64 hex)');
  });
  if (o['occurrences'].length > count) throw new Invalid(`${p}/occurrenceCount`, 'must be >= the number of occurrences listed');
  strArray(o['introducedIn'], `${p}/introducedIn`, OID, 'a commit OID (40 or 64 hex)');
  strArray(o['removedIn'], `${p}/removedIn`, OID, 'a commit OID (40 or 64 hex)');
  strArray(o['atTips'], `${p}/atTips`);
  if (o['verification'] !== undefined) verification(o['verification'], `${p}/verification`);
}

/** Check a parsed value against the v1 format. Returns the first problem, or undefined when valid. */
export function validateBaseline(v: unknown): ValidationProblem | undefined {
  try {
    const o = obj(v, '', [...TOP_ORDER]);
    if (o['version'] !== BASELINE_VERSION) throw new Invalid('/version', `must be ${BASELINE_VERSION}`);
    if (o['tool'] !== BASELINE_TOOL) throw new Invalid('/tool', `must be "${BASELINE_TOOL}"`);
    str(o['salt'], '/salt', HEX64, '64 lowercase hex characters (32 bytes)');
    const kdf = obj(o['kdf'], '/kdf', KDF_ORDER);
    int(kdf['lowEntropyBelowBits'], '/kdf/lowEntropyBelowBits', 0);
    const s = obj(kdf['scrypt'], '/kdf/scrypt', SCRYPT_ORDER);
    const N = int(s['N'], '/kdf/scrypt/N', 2);
    if ((N & (N - 1)) !== 0) throw new Invalid('/kdf/scrypt/N', 'must be a power of 2');
    int(s['r'], '/kdf/scrypt/r', 1);
    int(s['p'], '/kdf/scrypt/p', 1);
    int(s['keylen'], '/kdf/scrypt/keylen', 32);
    if (s['keylen'] !== 32) throw new Invalid('/kdf/scrypt/keylen', 'must be 32');
    const scanned = obj(o['scanned'], '/scanned', [], isObj(o['scanned']) ? Object.keys(o['scanned']) : []);
    for (const [k, x] of Object.entries(scanned)) {
      const p = `/scanned/${esc(k)}`;
      if (Array.isArray(x)) x.forEach((y, i) => str(y, `${p}/${i}`));
      else if (!['string', 'number', 'boolean'].includes(typeof x)) throw new Invalid(p, 'must be a string, number, boolean or array of strings');
    }
    const tips = obj(o['seenTips'], '/seenTips', [], isObj(o['seenTips']) ? Object.keys(o['seenTips']) : []);
    for (const [k, x] of Object.entries(tips)) str(x, `/seenTips/${esc(k)}`, OID, 'a commit OID (40 or 64 hex)');
    const entries = obj(o['entries'], '/entries', [], isObj(o['entries']) ? Object.keys(o['entries']) : []);
    const seen = new Map<string, string>();
    for (const [k, x] of Object.entries(entries)) {
      entry(k, x, `/entries/${esc(k)}`);
      const id = `${(x as BaselineEntry).ruleId}\0${(x as BaselineEntry).hash}`;
      const dup = seen.get(id);
      if (dup !== undefined) throw new Invalid(`/entries/${esc(k)}`, `same rule and hash as entry "${dup}"`);
      seen.set(id, k);
    }
    return undefined;
  } catch (e) {
    if (e instanceof Invalid) return { pointer: e.pointer, message: e.message };
    throw e;
  }
}
