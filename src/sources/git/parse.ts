// Parsers for git commit, tag and tree objects (raw object content, as returned by ObjectStore.read).
// Owns: header parsing (continuation lines: gpgsig, mergetag), signature dates -> ISO 8601 with the author's own
// timezone, tree entry decoding. Pure functions over bytes.
// May import: ./errors.
import { objectCorrupt } from './errors.js';

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** The recorded timezone, as written by git: `+0100`, `-0530`. */
  timezone: string;
  /** ISO 8601 in the recorded timezone, e.g. `2024-03-01T14:02:03+01:00`. */
  date: string;
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  /** Full message (UTF-8 decoded; the `encoding` header is reported but not applied). */
  message: string;
  /** First line of the message. */
  subject: string;
  // The optional headers are always present (undefined / empty when absent): every parsed commit then has one
  // shape, and the walk's optimized code is not thrown away the first time a signed or merge-tagged commit shows up.
  encoding: string | undefined;
  /** ASCII-armoured signature from the `gpgsig` (or `gpgsig-sha256`) header, if signed. */
  gpgsig: string | undefined;
  /** Embedded tag objects of merged signed tags (`mergetag` headers), raw text. */
  mergetags: string[];
}

export interface ParsedTag {
  object: string;
  type: 'commit' | 'tree' | 'blob' | 'tag';
  tag: string;
  /** Absent in some very old tags. */
  tagger?: Signature;
  /** Message without the trailing PGP signature block. */
  message: string;
  signature?: string;
}

/** Tree entry modes as git writes them (octal text). */
export const MODE_TREE = '40000';
export const MODE_BLOB = '100644';
export const MODE_EXEC = '100755';
export const MODE_SYMLINK = '120000';
export const MODE_GITLINK = '160000';

export interface TreeEntry {
  /** Octal mode text: 100644, 100755, 120000 (symlink), 160000 (gitlink/submodule), 40000 (tree). */
  mode: string;
  /** UTF-8 decoded name. */
  name: string;
  oid: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Formats a git timestamp in its own timezone: `2024-03-01T14:02:03+01:00`. */
export function isoDate(timestamp: number, timezone: string): string {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(timezone);
  const sign = m?.[1] === '-' ? -1 : 1;
  const hh = Number(m?.[2] ?? 0);
  const mm = Number(m?.[3] ?? 0);
  const offsetMin = sign * (hh * 60 + mm);
  const d = new Date((timestamp + offsetMin * 60) * 1000);
  if (Number.isNaN(d.getTime())) return new Date(0).toISOString();
  const base =
    `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}` +
    `T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return offsetMin === 0 && m === null ? `${base}Z` : `${base}${sign < 0 ? '-' : '+'}${pad2(hh)}:${pad2(mm)}`;
}

/** Parses `Name <email> 1700000000 +0100`. Lenient: malformed dates become the epoch rather than an error. */
export function parseSignature(s: string): Signature {
  const lt = s.lastIndexOf('<');
  const gt = s.lastIndexOf('>');
  const name = lt > 0 ? s.slice(0, lt).trim() : '';
  const email = lt >= 0 && gt > lt ? s.slice(lt + 1, gt) : '';
  const rest = (gt >= 0 ? s.slice(gt + 1) : s).trim().split(/\s+/);
  const ts = Number(rest[0] ?? 0);
  const timestamp = Number.isFinite(ts) ? ts : 0;
  const timezone = /^[+-]\d{4}$/.test(rest[1] ?? '') ? (rest[1] ?? '+0000') : '+0000';
  return { name, email, timestamp, timezone, date: isoDate(timestamp, timezone) };
}

/**
 * Splits headers (with continuation lines) from the message: names and values in two arrays (pairs as [k, v] arrays,
 * destructured in a for-of, were ~8 % of the bytes the audit's main thread allocated on the 200k-commit benchmark).
 */
function headers(data: Buffer): { keys: string[]; values: string[]; message: string } {
  return headerFields(data.toString('utf8'));
}

function headerFields(text: string): { keys: string[]; values: string[]; message: string } {
  const keys: string[] = [];
  const values: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    if (nl === pos) return { keys, values, message: text.slice(nl + 1) };
    if (text.charCodeAt(pos) === 0x20 && keys.length > 0) {
      values[values.length - 1] += '\n' + text.slice(pos + 1, nl);
    } else {
      const sp = text.indexOf(' ', pos);
      if (sp < 0 || sp > nl) {
        keys.push(text.slice(pos, nl));
        values.push('');
      } else {
        keys.push(text.slice(pos, sp));
        values.push(text.slice(sp + 1, nl));
      }
    }
    pos = nl + 1;
  }
  return { keys, values, message: '' };
}

const HEX40 = /^[0-9a-f]{40}$/;

/**
 * What a commit's headers say, for parseCommit and WalkCommit alike: the last of a repeated single-valued header wins;
 * a missing author or committer is the other one (as git's readers do).
 */
interface CommitHeaders {
  tree: string | null;
  parents: string[];
  author: string;
  committer: string;
  encoding: string | undefined;
  gpgsig: string | undefined;
  mergetags: string[];
}

function commitHeaders(keys: string[], values: string[]): CommitHeaders {
  let tree: string | null = null;
  const parents: string[] = [];
  let author: string | null = null;
  let committer: string | null = null;
  let encoding: string | undefined;
  let gpgsig: string | undefined;
  const mergetags: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const v = values[i]!;
    switch (keys[i]) {
      case 'tree':
        tree = v;
        break;
      case 'parent':
        parents.push(v);
        break;
      case 'author':
        author = v;
        break;
      case 'committer':
        committer = v;
        break;
      case 'encoding':
        encoding = v;
        break;
      case 'gpgsig':
      case 'gpgsig-sha256':
        gpgsig = v;
        break;
      case 'mergetag':
        mergetags.push(v);
        break;
      default:
        break;
    }
  }
  return { tree, parents, author: author ?? committer ?? '', committer: committer ?? author ?? '', encoding, gpgsig, mergetags };
}

export function parseCommit(data: Buffer, oid: string | null = null): ParsedCommit {
  const { keys, values, message } = headers(data);
  const { tree, parents, author, committer, encoding, gpgsig, mergetags } = commitHeaders(keys, values);
  if (tree === null || !HEX40.test(tree)) throw objectCorrupt(oid, 'commit has no valid tree header');
  for (const p of parents) if (!HEX40.test(p)) throw objectCorrupt(oid, `commit has a bad parent "${p}"`);
  const nl = message.indexOf('\n');
  const out = { tree, parents, message, subject: nl < 0 ? message : message.slice(0, nl), encoding, gpgsig, mergetags } as ParsedCommit;
  // The signatures are parsed (and their dates formatted) when first read: a history walk reads them only for the
  // commits that appear in a finding. Own enumerable properties, so the object copies and compares as before.
  let as: Signature | undefined;
  let cs: Signature | undefined;
  Object.defineProperty(out, 'author', { enumerable: true, get: () => (as ??= parseSignature(author)) });
  Object.defineProperty(out, 'committer', { enumerable: true, get: () => (cs ??= parseSignature(committer)) });
  return out;
}

/**
 * A commit as the history walk yields it (see commitOfWalk): tree, parents and message at hand; the signatures and the
 * other headers are parsed from the decoded text when first read. parseCommit builds header arrays, a string per
 * header and two closures per commit: on the 200k-commit benchmark that was ~380 MB of the audit's main-thread
 * allocations (a seventh of them) for fields a walk reads only for the commits that appear in a finding.
 */
class WalkCommit implements ParsedCommit {
  private head: CommitHeaders | undefined;
  private authorSig: Signature | undefined;
  private committerSig: Signature | undefined;

  constructor(
    readonly tree: string,
    readonly parents: string[],
    /** The whole commit, UTF-8 decoded. */
    private readonly text: string,
    readonly message: string,
  ) {}

  get subject(): string {
    const nl = this.message.indexOf('\n');
    return nl < 0 ? this.message : this.message.slice(0, nl);
  }

  get author(): Signature {
    return (this.authorSig ??= parseSignature(this.headers().author));
  }

  get committer(): Signature {
    return (this.committerSig ??= parseSignature(this.headers().committer));
  }

  get encoding(): string | undefined {
    return this.headers().encoding;
  }

  get gpgsig(): string | undefined {
    return this.headers().gpgsig;
  }

  get mergetags(): string[] {
    return this.headers().mergetags;
  }

  private headers(): CommitHeaders {
    if (this.head === undefined) {
      const { keys, values } = headerFields(this.text);
      this.head = commitHeaders(keys, values);
    }
    return this.head;
  }

  /** The same fields parseCommit gives, as plain data (copies, JSON, equality in tests). */
  toJSON(): ParsedCommit {
    const { tree, parents, author, committer, message, subject, encoding, gpgsig, mergetags } = this;
    return { tree, parents, author, committer, message, subject, encoding, gpgsig, mergetags };
  }
}

/**
 * The walk's commit: `tree` and `parents` as parseCommitLinks read them from the same bytes (the walk has them from
 * its descent), checked as parseCommit checks them; the rest as WalkCommit.
 */
export function commitOfWalk(data: Buffer, oid: string, tree: string, parents: string[]): ParsedCommit {
  for (const p of parents) if (!HEX40.test(p)) throw objectCorrupt(oid, `commit has a bad parent "${p}"`);
  const text = data.toString('utf8');
  const blank = text.indexOf('\n\n');
  return new WalkCommit(tree, parents, text, blank < 0 ? '' : text.slice(blank + 2));
}

/** Fast path for the walker: only tree and parents, without decoding the message. */
export function parseCommitLinks(data: Buffer, oid: string | null = null): { tree: string; parents: string[] } {
  // Headers are ASCII; `tree ` is always first, parents follow immediately.
  if (data.length < 46 || data.toString('latin1', 0, 5) !== 'tree ') throw objectCorrupt(oid, 'commit has no tree header');
  const tree = data.toString('latin1', 5, 45);
  const parents: string[] = [];
  let pos = 46;
  while (pos + 48 <= data.length && data[pos] === 0x70 /* p */ && data.toString('latin1', pos, pos + 7) === 'parent ') {
    parents.push(data.toString('latin1', pos + 7, pos + 47));
    pos += 48;
  }
  if (!HEX40.test(tree)) throw objectCorrupt(oid, 'commit has a bad tree header');
  return { tree, parents };
}

const PGP_START = /-----BEGIN (PGP|SSH) SIGNATURE-----/;

export function parseTag(data: Buffer, oid: string | null = null): ParsedTag {
  const { keys, values, message } = headers(data);
  const get = (k: string): string | undefined => {
    const i = keys.indexOf(k);
    return i < 0 ? undefined : values[i];
  };
  const object = get('object');
  const type = get('type');
  if (object === undefined || !HEX40.test(object)) throw objectCorrupt(oid, 'tag has no valid object header');
  if (type !== 'commit' && type !== 'tree' && type !== 'blob' && type !== 'tag') {
    throw objectCorrupt(oid, `tag has a bad type "${type ?? ''}"`);
  }
  const out: ParsedTag = { object, type, tag: get('tag') ?? '', message };
  const tagger = get('tagger');
  if (tagger !== undefined) out.tagger = parseSignature(tagger);
  const m = PGP_START.exec(message);
  if (m !== null) {
    out.message = message.slice(0, m.index);
    out.signature = message.slice(m.index);
  }
  return out;
}

/**
 * Parsed tree form for lookups by path: names kept as latin1 strings (one char per byte) so that comparisons
 * follow git's byte order exactly, even for invalid UTF-8; modes as shared strings; object ids left as bytes in
 * `data` (see `rawOid`). The walker's differ does not parse trees at all (walk.ts diffRec).
 */
export interface RawTree {
  names: string[];
  modes: string[];
  /** The tree object; entry i's 20-byte id starts at oidAt[i]. */
  data: Buffer;
  oidAt: Int32Array;
}

/** Where a tree entry lies in the tree object: mode [start, sp), name (sp, nul), id (nul, nul + 21). */
export interface TreeEntryAt {
  sp: number;
  nul: number;
}

/** Locates the tree entry starting at `p` into `out` (one object reused: no allocation per entry). */
export function treeEntryAt(t: Buffer, p: number, oid: string | null, out: TreeEntryAt): void {
  let sp = p;
  while (sp < t.length && t[sp] !== 0x20) sp++;
  if (sp >= t.length || sp - p > 7 || sp === p) throw objectCorrupt(oid, 'bad tree entry mode');
  let nul = sp + 1;
  while (nul < t.length && t[nul] !== 0) nul++;
  if (nul + 21 > t.length) throw objectCorrupt(oid, 'tree entry truncated');
  out.sp = sp;
  out.nul = nul;
}

/** The usual modes as one shared string each (no string per entry). */
export function modeOf(data: Buffer, start: number, end: number): string {
  const len = end - start;
  const c0 = data[start];
  if (len === 6 && c0 === 0x31) {
    // 100644, 100755, 120000, 160000
    if (data[start + 1] === 0x30 && data[start + 2] === 0x30 && data[start + 3] === 0x36 && data[start + 4] === 0x34 && data[start + 5] === 0x34) return '100644';
    if (data[start + 1] === 0x30 && data[start + 2] === 0x30 && data[start + 3] === 0x37 && data[start + 4] === 0x35 && data[start + 5] === 0x35) return '100755';
    if (data[start + 1] === 0x32 && data[start + 2] === 0x30 && data[start + 3] === 0x30 && data[start + 4] === 0x30 && data[start + 5] === 0x30) return '120000';
    if (data[start + 1] === 0x36 && data[start + 2] === 0x30 && data[start + 3] === 0x30 && data[start + 4] === 0x30 && data[start + 5] === 0x30) return '160000';
  } else if (len === 5 && c0 === 0x34 && data[start + 1] === 0x30 && data[start + 2] === 0x30 && data[start + 3] === 0x30 && data[start + 4] === 0x30) return '40000';
  return data.toString('latin1', start, end);
}

export function parseTreeRaw(data: Buffer, oid: string | null = null): RawTree {
  const names: string[] = [];
  const modes: string[] = [];
  const at: number[] = [];
  const e: TreeEntryAt = { sp: 0, nul: 0 };
  for (let pos = 0; pos < data.length; pos = e.nul + 21) {
    treeEntryAt(data, pos, oid, e);
    modes.push(modeOf(data, pos, e.sp));
    names.push(data.toString('latin1', e.sp + 1, e.nul));
    at.push(e.nul + 1);
  }
  return { names, modes, data, oidAt: Int32Array.from(at) };
}

/** Entry i's object id as hex. */
export function rawOid(t: RawTree, i: number): string {
  const o = t.oidAt[i]!;
  return t.data.toString('hex', o, o + 20);
}

/** Decodes a latin1-held name back to UTF-8 text (ASCII names are returned as is). */
export function decodeName(latin1: string): string {
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 0x7f) return Buffer.from(latin1, 'latin1').toString('utf8');
  }
  return latin1;
}

export function parseTree(data: Buffer, oid: string | null = null): TreeEntry[] {
  const raw = parseTreeRaw(data, oid);
  return raw.names.map((name, i) => ({ mode: raw.modes[i] ?? '', name: decodeName(name), oid: rawOid(raw, i) }));
}

/** Whether a tree entry mode denotes a subtree. */
export function isTreeMode(mode: string): boolean {
  return mode === MODE_TREE || mode === '040000';
}
