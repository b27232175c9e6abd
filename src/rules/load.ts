// Rule files and the user's config -> validated RuleSpec[] and the global allowlist.
// Owns: the rule file format (YAML, one file per provider in patterns/), the config file (.leakhound.toml), and
// every error about them, each naming file, line and (where there is one) rule.
// May import: types, errors, matcher/regex (to check patterns compile), node:fs, node:path, yaml, smol-toml.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TomlError, parse as parseToml } from 'smol-toml';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { LineCounter, Node as YNode } from 'yaml';
import { LeakhoundError, ruleFileError } from '../errors/index.js';
import { PatternError, parsePattern } from '../matcher/regex/parse.js';
import { VALIDATORS } from '../matcher/checks.js';
import { readBuiltinCache } from './cache.js';
import type { AllowRegexSpec, GlobalAllowlist, RuleExample, RuleSpec, Severity, VerifySpec } from '../types/index.js';

// yaml is loaded on first use: with the built-in rules cache (./cache.ts) a run with no YAML rule files of its own
// never needs it, and a pre-commit hook should not pay for loading it.
let yamlMod: typeof Yaml | undefined;
const Y = (): typeof Yaml => (yamlMod ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
const isMap = (n: unknown): n is Yaml.YAMLMap<unknown, unknown> => Y().isMap(n);
const isScalar = (n: unknown): n is Yaml.Scalar<unknown> => Y().isScalar(n);
const isSeq = (n: unknown): n is Yaml.YAMLSeq<unknown> => Y().isSeq(n);

/** The package root: the nearest directory above this module holding package.json (works from src/ and dist/). */
export const PACKAGE_ROOT = ((): string => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
})();
export const BUILTIN_PATTERNS_DIR = join(PACKAGE_ROOT, 'patterns');
/** Files in patterns/ that hold defaults rather than provider rules. */
const DEFAULTS_FILE = '_defaults.yaml';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const RULE_KEYS = new Set([
  'id', 'name', 'pattern', 'flags', 'secret_group', 'keywords', 'entropy', 'min_length', 'validate', 'allow',
  'paths', 'multiline', 'severity', 'remediation', 'references', 'tags', 'verify', 'examples', 'negative_examples',
]);
const ALLOW_KEYS = new Set(['secrets', 'stopwords', 'regexes', 'paths']);

export interface RuleFile {
  file: string;
  provider: string;
  rules: RuleSpec[];
}

class Ctx {
  constructor(
    readonly file: string,
    readonly lc: LineCounter,
  ) {}
  line(node: YNode | null | undefined): number {
    const r = node?.range;
    return r ? this.lc.linePos(r[0]).line : 1;
  }
  fail(node: YNode | null | undefined, msg: string, ruleId?: string): never {
    throw ruleFileError(this.file, this.line(node), msg, ruleId);
  }
}

function mapGet(map: YNode, key: string): YNode | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return (pair.value ?? undefined) as YNode | undefined;
  return undefined;
}

function str(ctx: Ctx, n: YNode | undefined, what: string, ruleId?: string): string {
  if (!isScalar(n) || typeof n.value !== 'string') ctx.fail(n, `${what} must be a string`, ruleId);
  return n.value;
}

function optStr(ctx: Ctx, n: YNode | undefined, what: string, ruleId?: string): string | undefined {
  return n === undefined ? undefined : str(ctx, n, what, ruleId);
}

function strList(ctx: Ctx, n: YNode | undefined, what: string, ruleId?: string): string[] {
  if (n === undefined) return [];
  if (!isSeq(n)) ctx.fail(n, `${what} must be a list of strings`, ruleId);
  return n.items.map((it) => str(ctx, it as YNode, `each of ${what}`, ruleId));
}

function num(ctx: Ctx, n: YNode | undefined, what: string, ruleId?: string): number | undefined {
  if (n === undefined) return undefined;
  if (!isScalar(n) || typeof n.value !== 'number' || !Number.isFinite(n.value)) ctx.fail(n, `${what} must be a number`, ruleId);
  return n.value;
}

function examples(ctx: Ctx, n: YNode | undefined, what: string, ruleId: string): RuleExample[] {
  if (n === undefined) return [];
  if (!isSeq(n)) ctx.fail(n, `${what} must be a list`, ruleId);
  return n.items.map((it) => {
    const node = it as YNode;
    if (isScalar(node) && typeof node.value === 'string') return { text: node.value };
    if (isMap(node)) {
      const text = str(ctx, mapGet(node, 'text'), `${what}[].text`, ruleId);
      const secret = optStr(ctx, mapGet(node, 'secret'), `${what}[].secret`, ruleId);
      return secret === undefined ? { text } : { text, secret };
    }
    return ctx.fail(node, `each of ${what} must be a string or {text, secret}`, ruleId);
  });
}

function allowRegexes(ctx: Ctx, n: YNode | undefined, ruleId?: string): AllowRegexSpec[] {
  if (n === undefined) return [];
  if (!isSeq(n)) ctx.fail(n, 'allow.regexes must be a list', ruleId);
  return n.items.map((it) => {
    const node = it as YNode;
    let pattern: string;
    let target: AllowRegexSpec['target'] = 'secret';
    if (isScalar(node)) pattern = str(ctx, node, 'allow regex', ruleId);
    else {
      pattern = str(ctx, mapGet(node, 'pattern'), 'allow.regexes[].pattern', ruleId);
      const t = optStr(ctx, mapGet(node, 'target'), 'allow.regexes[].target', ruleId);
      if (t !== undefined) {
        if (t !== 'secret' && t !== 'match' && t !== 'line') ctx.fail(node, `allow regex target must be secret, match or line, not '${t}'`, ruleId);
        target = t;
      }
    }
    try {
      parsePattern(pattern);
    } catch (e) {
      if (e instanceof PatternError) ctx.fail(node, `allow regex: ${e.message} (at offset ${e.offset})`, ruleId);
      throw e;
    }
    return { pattern, target };
  });
}

function plain(n: YNode | undefined): unknown {
  return n === undefined ? undefined : (n as { toJSON(): unknown }).toJSON();
}

function parseRule(ctx: Ctx, node: YNode, seen: Map<string, string>): RuleSpec {
  if (!isMap(node)) ctx.fail(node, 'each rule must be a mapping');
  const idNode = mapGet(node, 'id');
  const id = str(ctx, idNode, 'id');
  if (!/^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/.test(id))
    ctx.fail(idNode, `id '${id}' must look like provider.name (lower case, digits, dashes, dots)`);
  const prev = seen.get(id);
  if (prev) ctx.fail(idNode, `duplicate rule id '${id}' (first defined at ${prev})`);
  seen.set(id, `${ctx.file}:${ctx.line(idNode)}`);
  for (const pair of node.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (!RULE_KEYS.has(k)) ctx.fail(pair.key as YNode, `unknown key '${k}'`, id);
  }
  const patternNode = mapGet(node, 'pattern');
  const pattern = str(ctx, patternNode, 'pattern', id);
  const flags = optStr(ctx, mapGet(node, 'flags'), 'flags', id) ?? '';
  let parsed;
  try {
    parsed = parsePattern(pattern, flags);
  } catch (e) {
    if (e instanceof PatternError) ctx.fail(patternNode, `pattern: ${e.message} (at offset ${e.offset})`, id);
    throw e;
  }
  const sgNode = mapGet(node, 'secret_group');
  let secretGroup = num(ctx, sgNode, 'secret_group', id) ?? (parsed.groupNames.get('secret') ?? (parsed.groupCount >= 1 ? 1 : 0));
  if (!Number.isInteger(secretGroup) || secretGroup < 0 || secretGroup > parsed.groupCount)
    ctx.fail(sgNode ?? patternNode, `secret_group ${secretGroup} does not exist (the pattern has ${parsed.groupCount} groups)`, id);
  secretGroup = Math.trunc(secretGroup);
  const keywordsNode = mapGet(node, 'keywords');
  const keywords = strList(ctx, keywordsNode, 'keywords', id);
  for (const k of keywords) {
    if (k.length < 2) ctx.fail(keywordsNode, `keyword '${k}' is too short (2 characters at least)`, id);
    if (/[^\x20-\x7e]/.test(k)) ctx.fail(keywordsNode, `keyword '${k}' must be printable ASCII`, id);
  }
  const sevNode = mapGet(node, 'severity');
  const severity = (optStr(ctx, sevNode, 'severity', id) ?? 'high') as Severity;
  if (!SEVERITIES.includes(severity)) ctx.fail(sevNode, `severity must be one of ${SEVERITIES.join(', ')}`, id);
  const validateNode = mapGet(node, 'validate');
  const validate = strList(ctx, validateNode, 'validate', id);
  for (const v of validate) if (!VALIDATORS[v]) ctx.fail(validateNode, `unknown validator '${v}' (known: ${Object.keys(VALIDATORS).join(', ')})`, id);
  const allowNode = mapGet(node, 'allow');
  if (allowNode !== undefined && !isMap(allowNode)) ctx.fail(allowNode, 'allow must be a mapping', id);
  if (allowNode && isMap(allowNode))
    for (const pair of allowNode.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (!ALLOW_KEYS.has(k)) ctx.fail(pair.key as YNode, `unknown key 'allow.${k}'`, id);
    }
  const a = (k: string): YNode | undefined => (allowNode ? mapGet(allowNode, k) : undefined);
  const multilineNode = mapGet(node, 'multiline');
  const multiline = multilineNode === undefined ? false : plain(multilineNode) === true;
  const verifyNode = mapGet(node, 'verify');
  const verify = plain(verifyNode) as VerifySpec | undefined;
  if (verify !== undefined && (typeof verify !== 'object' || verify === null || !('kind' in verify)))
    ctx.fail(verifyNode, 'verify must be a mapping with a kind', id);
  const entropy = num(ctx, mapGet(node, 'entropy'), 'entropy', id);
  const minLength = num(ctx, mapGet(node, 'min_length'), 'min_length', id);
  const remediation = optStr(ctx, mapGet(node, 'remediation'), 'remediation', id);
  if (!remediation) ctx.fail(node, 'remediation is required: say how to rotate or revoke this credential', id);
  const rule: RuleSpec = {
    id,
    name: str(ctx, mapGet(node, 'name'), 'name', id),
    pattern,
    flags,
    secretGroup,
    keywords,
    allowSecrets: strList(ctx, a('secrets'), 'allow.secrets', id),
    stopwords: strList(ctx, a('stopwords'), 'allow.stopwords', id),
    allowRegexes: allowRegexes(ctx, a('regexes'), id),
    allowPaths: strList(ctx, a('paths'), 'allow.paths', id),
    paths: strList(ctx, mapGet(node, 'paths'), 'paths', id),
    multiline,
    severity,
    remediation,
    references: strList(ctx, mapGet(node, 'references'), 'references', id),
    tags: strList(ctx, mapGet(node, 'tags'), 'tags', id),
    examples: examples(ctx, mapGet(node, 'examples'), 'examples', id),
    negativeExamples: examples(ctx, mapGet(node, 'negative_examples'), 'negative_examples', id),
    source: { file: ctx.file, line: ctx.line(node) },
  };
  if (entropy !== undefined) rule.entropy = entropy;
  if (minLength !== undefined) rule.minLength = minLength;
  if (validate.length) rule.validate = validate;
  if (verify !== undefined) rule.verify = verify;
  return rule;
}

function parseYaml(file: string, text: string): { doc: Yaml.Document.Parsed; ctx: Ctx } {
  const lc = new (Y().LineCounter)();
  const doc = Y().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const ctx = new Ctx(file, lc);
  const err = doc.errors[0];
  if (err) throw ruleFileError(file, lc.linePos(err.pos[0]).line, `YAML: ${err.message.split('\n')[0]}`);
  return { doc, ctx };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new LeakhoundError('E_RULE_FILE', `${file}: cannot read rule file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
}

/** Parses one rule file. `seen` tracks ids across files so duplicates are caught. */
export function parseRuleFile(file: string, text = readText(file), seen = new Map<string, string>()): RuleFile {
  const parsed = parseYaml(file, text);
  const ctx: Ctx = parsed.ctx;
  const root = parsed.doc.contents as YNode | null;
  if (!root || !isMap(root)) ctx.fail(root, 'a rule file is a mapping with `provider` and `rules`');
  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (k !== 'provider' && k !== 'rules') ctx.fail(pair.key as YNode, `unknown top-level key '${k}' (expected provider, rules)`);
  }
  const provider = str(ctx, mapGet(root, 'provider'), 'provider');
  const rulesNode = mapGet(root, 'rules');
  if (!isSeq(rulesNode)) ctx.fail(rulesNode ?? root, '`rules` must be a list');
  const rules = rulesNode.items.map((n) => parseRule(ctx, n as YNode, seen));
  return { file, provider, rules };
}

/** The defaults file: global allowlist (placeholders and documentation values every rule ignores). */
export function parseDefaultsFile(file: string, text = readText(file)): GlobalAllowlist {
  const parsed = parseYaml(file, text);
  const ctx: Ctx = parsed.ctx;
  const root = parsed.doc.contents as YNode | null;
  if (!root || !isMap(root)) ctx.fail(root, 'the defaults file is a mapping with `allow`');
  const allow = mapGet(root, 'allow');
  return {
    paths: strList(ctx, allow && mapGet(allow, 'paths'), 'allow.paths'),
    stopwords: strList(ctx, allow && mapGet(allow, 'stopwords'), 'allow.stopwords'),
    regexes: allowRegexes(ctx, allow && mapGet(allow, 'regexes')),
    secrets: strList(ctx, allow && mapGet(allow, 'secrets'), 'allow.secrets'),
  };
}

export function builtinRuleFiles(dir = BUILTIN_PATTERNS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => (f.endsWith('.yaml') || f.endsWith('.yml')) && f !== DEFAULTS_FILE)
    .sort()
    .map((f) => join(dir, f));
}

export function loadBuiltin(dir = BUILTIN_PATTERNS_DIR, useCache = true): { files: RuleFile[]; allow: GlobalAllowlist } {
  // dist/rules.json, when it matches patterns/ and the code (see ./cache.ts): start-up in milliseconds, not seconds.
  const cached = useCache && dir === BUILTIN_PATTERNS_DIR ? readBuiltinCache(PACKAGE_ROOT, dir) : undefined;
  if (cached) return cached;
  const seen = new Map<string, string>();
  const files = builtinRuleFiles(dir).map((f) => parseRuleFile(f, readText(f), seen));
  const defaults = join(dir, DEFAULTS_FILE);
  const allow = existsSync(defaults) ? parseDefaultsFile(defaults) : { paths: [], stopwords: [], regexes: [], secrets: [] };
  return { files, allow };
}

// ---------------------------------------------------------------------------------------------------------------
// The user's config file.

export interface UserConfig {
  file?: string;
  useDefaultRules: boolean;
  ruleFiles: string[];
  disabledRules: string[];
  enableOnly: string[];
  allow: GlobalAllowlist;
  exclude: string[];
  maxFileSize?: number;
}

export const CONFIG_NAMES = ['.leakhound.toml'];

export function parseSize(v: unknown, file: string, key: string): number {
  if (typeof v === 'number' && v > 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g|kib|mib|gib)?$/i.exec(v.trim());
    if (m) {
      const unit = (m[2] ?? 'b').toLowerCase();
      const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
      return Math.round(Number(m[1]) * mult);
    }
  }
  throw new LeakhoundError('E_CONFIG', `${file}: ${key}: expected a size like 10MB, got ${JSON.stringify(v)}`, { file, key });
}

const CONFIG_KEYS = new Set(['useDefaultRules', 'rules', 'disabledRules', 'enableOnly', 'allowlist', 'exclude', 'maxFileSize']);

function configError(file: string, text: string, key: string, msg: string): LeakhoundError {
  // smol-toml gives no positions for values; find the key's line so the message points somewhere useful.
  const lines = text.split('\n');
  const leaf = key.split('.').pop()!;
  const idx = lines.findIndex((l) => new RegExp(`^\\s*"?${leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`).test(l));
  const line = idx >= 0 ? idx + 1 : 1;
  return new LeakhoundError('E_CONFIG', `${file}:${line}: ${key}: ${msg}`, { file, line, key });
}

export function parseConfig(file: string, text: string): UserConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      throw new LeakhoundError('E_CONFIG', `${file}:${e.line}:${e.column}: TOML: ${e.message.split('\n')[0]}`, { file, line: e.line });
    }
    throw e;
  }
  for (const k of Object.keys(raw)) if (!CONFIG_KEYS.has(k)) throw configError(file, text, k, `unknown key (expected one of ${[...CONFIG_KEYS].join(', ')})`);
  const list = (key: string, v: unknown): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw configError(file, text, key, 'must be a list of strings');
    return v as string[];
  };
  const al = (raw.allowlist ?? {}) as Record<string, unknown>;
  if (typeof al !== 'object' || Array.isArray(al)) throw configError(file, text, 'allowlist', 'must be a table');
  const regexes: AllowRegexSpec[] = [];
  const rx = al.regexes ?? [];
  if (!Array.isArray(rx)) throw configError(file, text, 'allowlist.regexes', 'must be a list');
  for (const r of rx) {
    const spec: AllowRegexSpec = typeof r === 'string' ? { pattern: r, target: 'secret' } : { pattern: String((r as Record<string, unknown>).pattern), target: ((r as Record<string, unknown>).target as AllowRegexSpec['target']) ?? 'secret' };
    if (!['secret', 'match', 'line'].includes(spec.target)) throw configError(file, text, 'allowlist.regexes', `target must be secret, match or line`);
    try {
      parsePattern(spec.pattern);
    } catch (e) {
      if (e instanceof PatternError) throw configError(file, text, 'allowlist.regexes', `${e.message} in ${JSON.stringify(spec.pattern)}`);
      throw e;
    }
    regexes.push(spec);
  }
  const base = dirname(file);
  const useDefault = raw.useDefaultRules ?? true;
  if (typeof useDefault !== 'boolean') throw configError(file, text, 'useDefaultRules', 'must be true or false');
  const cfg: UserConfig = {
    file,
    useDefaultRules: useDefault,
    ruleFiles: list('rules', raw.rules).map((p) => (isAbsolute(p) ? p : resolve(base, p))),
    disabledRules: list('disabledRules', raw.disabledRules),
    enableOnly: list('enableOnly', raw.enableOnly),
    allow: {
      paths: list('allowlist.paths', al.paths),
      stopwords: list('allowlist.stopwords', al.stopwords),
      secrets: list('allowlist.secrets', al.secrets),
      regexes,
    },
    exclude: list('exclude', raw.exclude),
  };
  if (raw.maxFileSize !== undefined) cfg.maxFileSize = parseSize(raw.maxFileSize, file, 'maxFileSize');
  return cfg;
}

/** Finds the config: an explicit path, else LEAKHOUND_CONFIG, else .leakhound.toml in `root`. */
export function findConfig(root: string, explicit?: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new LeakhoundError('E_CONFIG', `config file not found: ${explicit}`, { file: explicit });
    return resolve(explicit);
  }
  const env = process.env.LEAKHOUND_CONFIG;
  if (env) {
    if (!existsSync(env)) throw new LeakhoundError('E_CONFIG', `config file not found: ${env} (from LEAKHOUND_CONFIG)`, { file: env });
    return resolve(env);
  }
  for (const n of CONFIG_NAMES) {
    const p = join(root, n);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface LoadedRules {
  rules: RuleSpec[];
  allow: GlobalAllowlist;
  config: UserConfig;
}

export interface LoadRulesOptions {
  /** Where to look for .leakhound.toml. */
  root: string;
  config?: string;
  /** Extra rule files from the command line. */
  ruleFiles?: string[];
  disable?: string[];
  enableOnly?: string[];
  /** Skip built-in rules. */
  noDefault?: boolean;
}

/** The rule set for a run: built-in (unless disabled) + the config's and command line's rule files, filtered. */
export function loadRules(opts: LoadRulesOptions): LoadedRules {
  const cfgPath = findConfig(opts.root, opts.config);
  const config: UserConfig = cfgPath
    ? parseConfig(cfgPath, readFileSync(cfgPath, 'utf8'))
    : { useDefaultRules: true, ruleFiles: [], disabledRules: [], enableOnly: [], allow: { paths: [], stopwords: [], regexes: [], secrets: [] }, exclude: [] };
  const seen = new Map<string, string>();
  let rules: RuleSpec[] = [];
  const builtin = loadBuiltin();
  if (config.useDefaultRules && !opts.noDefault) rules = builtin.files.flatMap((f) => f.rules);
  for (const r of rules) seen.set(r.id, `${r.source.file}:${r.source.line}`);
  for (const f of [...config.ruleFiles, ...(opts.ruleFiles ?? [])]) rules.push(...parseRuleFile(f, readText(f), seen).rules);
  const disabled = new Set([...config.disabledRules, ...(opts.disable ?? [])]);
  const only = new Set([...config.enableOnly, ...(opts.enableOnly ?? [])]);
  const known = new Set(rules.map((r) => r.id));
  for (const id of [...disabled, ...only]) {
    if (!known.has(id) && !rules.some((r) => r.id.startsWith(id + '.')))
      throw new LeakhoundError('E_CONFIG', `unknown rule id '${id}' (see \`leakhound rules list\`)`, { ruleId: id });
  }
  const matches = (set: Set<string>, id: string): boolean => set.has(id) || [...set].some((p) => id.startsWith(p + '.'));
  rules = rules.filter((r) => !matches(disabled, r.id) && (only.size === 0 || matches(only, r.id)));
  const allow: GlobalAllowlist = {
    paths: [...builtin.allow.paths, ...config.allow.paths],
    stopwords: [...builtin.allow.stopwords, ...config.allow.stopwords],
    regexes: [...builtin.allow.regexes, ...config.allow.regexes],
    secrets: [...builtin.allow.secrets, ...config.allow.secrets],
  };
  return { rules, allow, config };
}
