// Importers from the baselines users migrate from: a gitleaks JSON report, a `.gitleaksignore`, a detect-secrets
// `.secrets.baseline`. They produce triage *hints*, not entries: foreign files do not carry our keyed identity (they
// hold a plaintext or an unsalted SHA-1 secret, or only a position), so an entry can only be made once a run finds
// the secret. `baseline import FILE` = audit + `merge(b, findings, { hints })`: a hint applies to the finding whose
// secret has that SHA-1, or (position-only hints) which has an occurrence at that path/line/commit.
// Hints are never written to our baseline (that would copy an unsalted SHA-1 into it); unmatched hints are reported.
// May import: errors, ./format (tool marker), ./ops (TriageHint type), node:fs, node:crypto, node:path.
//
// Mapping of triage decisions:
// - gitleaks report: a report used as a gitleaks baseline means "known"; no decision -> `open` (known-open entries
//   are suppressed by default, as in gitleaks). Matched by SHA-1 of `Secret`; a redacted report (`REDACTED`,
//   `abc...`) falls back to position (File, StartLine, Commit).
// - `.gitleaksignore`: every line is an explicit "ignore this" -> `accepted`, reason = the `#` comment lines just
//   above it (else "listed in .gitleaksignore"). Lines are positional (`commit:file:rule:line`, or `file:rule:line`
//   for any commit) and carry no secret, so they match findings at that position on the import run only; from then
//   on the entry is content-keyed (a different secret later put on that line is new). gitleaks rule ids are not
//   ours, so the hint applies to every finding at that position. Line numbers are gitleaks' StartLine: a finding
//   whose match starts on an earlier line than its secret may not match.
// - detect-secrets: `is_secret: false` -> `false-positive`; `true` or unaudited -> `open`. Matched by
//   `hashed_secret` = SHA-1(secret) against our findings' secrets; detect-secrets extracts secrets with its own
//   plugins (e.g. KeywordDetector strips quotes), so a secret that we extract differently does not match.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LeakhoundError } from '../errors/index.js';
import { BASELINE_TOOL } from './format.js';
import type { TriageHint } from './ops.js';

export type ForeignKind = TriageHint['source'];

export interface ForeignImport {
  kind: ForeignKind;
  file: string;
  hints: TriageHint[];
  /** Lines / items that could not be mapped, each naming where. */
  warnings: string[];
}

export interface ImportOptions {
  /** Force the format instead of detecting it. */
  kind?: ForeignKind;
  /** Recorded as `by` on imported decisions (default `import:<kind>`). */
  by?: string;
}

/** Read a foreign baseline file and turn it into triage hints. Errors: E_BASELINE_NOT_FOUND, E_BASELINE_FOREIGN. */
export function importForeign(file: string, opts: ImportOptions = {}): ForeignImport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LeakhoundError('E_BASELINE_NOT_FOUND', `${file}: file to import not found`, { file });
    throw new LeakhoundError('E_READ', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  return parseForeign(text, file, opts);
}

const sha1 = (s: string): string => createHash('sha1').update(s, 'utf8').digest('hex');

/** Detect the format of a foreign file's text. */
export function detectForeignKind(text: string, file: string): ForeignKind {
  const body = text.replace(/^\uFEFF/, '');
  const t = body.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      throw new LeakhoundError('E_BASELINE_FOREIGN', `${file}: not valid JSON, and not a .gitleaksignore`, { file });
    }
    if (Array.isArray(v)) return 'gitleaks-report';
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['tool'] === BASELINE_TOOL)
        throw new LeakhoundError('E_USAGE', `${file}: already a leakhound baseline; nothing to import`, { file });
      if (o['results'] && typeof o['results'] === 'object') return 'detect-secrets';
    }
    throw new LeakhoundError('E_BASELINE_FOREIGN', `${file}: unrecognised format (expected a gitleaks report, a .gitleaksignore or a detect-secrets baseline)`, { file });
  }
  return 'gitleaksignore';
}

/** Pure: foreign text -> hints. `file` names the source in origins and warnings. */
export function parseForeign(text: string, file: string, opts: ImportOptions = {}): ForeignImport {
  const kind = opts.kind ?? detectForeignKind(text, file);
  const by = opts.by ?? `import:${kind}`;
  const body = text.replace(/^\uFEFF/, '');
  switch (kind) {
    case 'gitleaks-report':
      return gitleaksReport(body, file);
    case 'gitleaksignore':
      return gitleaksIgnore(body, file, by);
    case 'detect-secrets':
      return detectSecrets(body, file, by);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LeakhoundError('E_BASELINE_CORRUPT', `${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`, { file });
  }
}

const OIDISH = /^[0-9a-f]{7,64}$/;

function isRedacted(secret: string): boolean {
  return secret === '' || secret.includes('REDACTED') || secret.endsWith('...');
}

function gitleaksReport(text: string, file: string): ForeignImport {
  const v = parseJson(text, file);
  if (!Array.isArray(v)) throw new LeakhoundError('E_BASELINE_FOREIGN', `${file}: a gitleaks report is a JSON array`, { file });
  const hints: TriageHint[] = [];
  const warnings: string[] = [];
  v.forEach((item, i) => {
    const where = `${file}#${i}`;
    if (!item || typeof item !== 'object') {
      warnings.push(`${where}: not an object, skipped`);
      return;
    }
    const o = item as Record<string, unknown>;
    const secret = typeof o['Secret'] === 'string' ? o['Secret'] : '';
    const path = typeof o['File'] === 'string' && o['File'] !== '' ? o['File'].replace(/\\/g, '/') : undefined;
    const line = typeof o['StartLine'] === 'number' ? o['StartLine'] : undefined;
    const commit = typeof o['Commit'] === 'string' && OIDISH.test(o['Commit']) ? o['Commit'] : undefined;
    const h: TriageHint = {
      source: 'gitleaks-report',
      origin: typeof o['Fingerprint'] === 'string' ? `${where} (${o['Fingerprint']})` : where,
      triage: { state: 'open' },
    };
    if (typeof o['RuleID'] === 'string') h.foreignRule = o['RuleID'];
    if (!isRedacted(secret)) h.sha1 = sha1(secret);
    else if (path !== undefined) {
      h.position = { path };
      if (line !== undefined) h.position.line = line;
      if (commit !== undefined) h.position.commit = commit;
    } else {
      warnings.push(`${where}: redacted secret and no File: cannot be matched, skipped`);
      return;
    }
    hints.push(h);
  });
  return { kind: 'gitleaks-report', file, hints, warnings };
}

function gitleaksIgnore(text: string, file: string, by: string): ForeignImport {
  const hints: TriageHint[] = [];
  const warnings: string[] = [];
  let comments: string[] = [];
  const name = basename(file);
  text.split(/\r?\n/).forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '') {
      comments = [];
      return;
    }
    if (line.startsWith('#')) {
      const c = line.replace(/^#+\s*/, '');
      if (c) comments.push(c);
      return;
    }
    const parts = line.replace(/\\/g, '/').split(':');
    const last = parts[parts.length - 1] ?? '';
    if (parts.length < 3 || !/^\d+$/.test(last)) {
      warnings.push(`${file}:${lineNo}: not a gitleaks fingerprint (commit:file:rule:line or file:rule:line), skipped`);
      comments = [];
      return;
    }
    const rule = parts[parts.length - 2]!;
    let commit: string | undefined;
    let pathParts = parts.slice(0, -2);
    if (pathParts.length >= 2 && OIDISH.test(pathParts[0]!)) {
      commit = pathParts[0]!;
      pathParts = pathParts.slice(1);
    }
    const path = pathParts.join(':');
    const position: NonNullable<TriageHint['position']> = { path, line: Number(last) };
    if (commit) position.commit = commit;
    hints.push({
      source: 'gitleaksignore',
      origin: `${file}:${lineNo}`,
      position,
      foreignRule: rule,
      triage: { state: 'accepted', reason: comments.length > 0 ? comments.join(' ') : `listed in ${name}`, by },
    });
    comments = [];
  });
  return { kind: 'gitleaksignore', file, hints, warnings };
}

function detectSecrets(text: string, file: string, by: string): ForeignImport {
  const v = parseJson(text, file);
  const results = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)['results'] : undefined;
  if (!results || typeof results !== 'object' || Array.isArray(results))
    throw new LeakhoundError('E_BASELINE_FOREIGN', `${file}: a detect-secrets baseline has a "results" object`, { file });
  const hints: TriageHint[] = [];
  const warnings: string[] = [];
  for (const [filename, list] of Object.entries(results as Record<string, unknown>)) {
    if (!Array.isArray(list)) {
      warnings.push(`${file}: results/${filename}: not an array, skipped`);
      continue;
    }
    list.forEach((item, i) => {
      const where = `${file}:results/${filename}/${i}`;
      const o = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
      const hashed = o['hashed_secret'];
      if (typeof hashed !== 'string' || !/^[0-9a-f]{40}$/.test(hashed)) {
        warnings.push(`${where}: no valid hashed_secret, skipped`);
        return;
      }
      const h: TriageHint = { source: 'detect-secrets', origin: where, sha1: hashed, triage: { state: 'open' } };
      if (typeof o['type'] === 'string') h.foreignRule = o['type'];
      h.position = { path: (typeof o['filename'] === 'string' ? o['filename'] : filename).replace(/\\/g, '/') };
      if (typeof o['line_number'] === 'number') h.position.line = o['line_number'];
      if (o['is_secret'] === false)
        h.triage = { state: 'false-positive', reason: 'detect-secrets audit: not a secret (is_secret: false)', by };
      hints.push(h);
    });
  }
  return { kind: 'detect-secrets', file, hints, warnings };
}
