// Plain data shared by every stage of the pipeline.
// Owns: the shapes that cross stage boundaries (and worker boundaries: everything here is structured-clone safe).
// May import: nothing. Not even node:*.

/** Severity of a rule, from the point of view of a security team triaging findings. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** What an allowlist regex is tested against. */
export type AllowTarget = 'secret' | 'match' | 'line';

export interface AllowRegexSpec {
  pattern: string;
  target: AllowTarget;
}

/** Declarative HTTP verification as written in a rule file (see issue 7). */
export interface HttpVerifySpec {
  kind: 'http';
  method: 'GET' | 'POST' | 'HEAD';
  /** URL template; `{{secret}}` and `{{group.NAME}}` are substituted (URL-encoded). */
  url: string;
  /** Where the secret goes. */
  auth:
    | { type: 'bearer' }
    | { type: 'token' }
    | { type: 'basic'; username?: string; password?: string }
    | { type: 'header'; name: string; prefix?: string }
    | { type: 'query'; name: string }
    | { type: 'none' };
  headers?: Record<string, string>;
  body?: string;
  valid: { status?: number[]; bodyContains?: string[]; jsonField?: { path: string; equals: unknown } };
  invalid: { status?: number[]; bodyContains?: string[]; jsonField?: { path: string; equals: unknown } };
  /** Documentation of the endpoint used. */
  reference?: string;
  /**
   * Name of a verifier in src/verify/http-specs.json (e.g. `github-token`). The catalog entry is the base; any other
   * field given here overrides it. See `HttpVerifyRef` for the short form a rule file may hold.
   */
  use?: string;
  /** Facts to report on `valid`: fact name -> dotted JSON path in the response body (e.g. `login`). Never the secret. */
  facts?: Record<string, string>;
}

export interface AwsVerifySpec {
  kind: 'aws-sts';
  /** The rule id whose secret pairs with this one (e.g. the secret access key rule for a key id rule). */
  pairWith: string;
  /** Which side of the pair this rule holds. */
  role: 'access-key-id' | 'secret-access-key' | 'session-token';
}

export type VerifySpec = HttpVerifySpec | AwsVerifySpec;

export interface RuleExample {
  /** The text scanned. */
  text: string;
  /** For positive examples: the secret the rule must report (defaults to any match of this rule). */
  secret?: string;
}

/**
 * A rule after loading and validation: plain data. Compiled forms (regex objects, automata) live in the matcher only.
 */
export interface RuleSpec {
  /** Stable id, `provider.name`. */
  id: string;
  name: string;
  /** Pattern in the common RE2/ECMAScript subset; capture group `secretGroup` (default 1, or the group named `secret`) holds the secret. */
  pattern: string;
  /** Whole-pattern flags: i (case-insensitive), s (dot matches newline), m (multi-line anchors). */
  flags: string;
  /** Index of the capture group holding the secret (0 = whole match). */
  secretGroup: number;
  /** Case-insensitive literals; a match must contain one. Empty: the rule runs on every unit (keep such rules few). */
  keywords: string[];
  /** Minimum Shannon entropy (bits per character) of the secret. */
  entropy?: number;
  /** Minimum length of the secret. */
  minLength?: number;
  /** Extra checks on the secret: checksum kinds implemented in the matcher (e.g. `github-crc32`). */
  validate?: string[];
  /** Exact secrets that are never reported (documentation examples). */
  allowSecrets: string[];
  /** Words which, when contained in the secret (case-insensitive), make it a non-finding (placeholders). */
  stopwords: string[];
  allowRegexes: AllowRegexSpec[];
  /** Path globs where the rule does not apply. */
  allowPaths: string[];
  /** Path globs where the rule applies only (empty = everywhere). */
  paths: string[];
  /** Whether the match may span lines (e.g. PEM blocks). */
  multiline: boolean;
  severity: Severity;
  /** How to rotate or revoke this credential. */
  remediation: string;
  references: string[];
  tags: string[];
  verify?: VerifySpec | HttpVerifyRef;
  examples: RuleExample[];
  negativeExamples: RuleExample[];
  /** Where it was defined. */
  source: { file: string; line: number };
}

/** Global allowlist (from built-in defaults and the user's config). */
export interface GlobalAllowlist {
  paths: string[];
  stopwords: string[];
  regexes: AllowRegexSpec[];
  /** Exact secrets never reported. */
  secrets: string[];
}

/** What the matcher sees: an id and content. Nothing about where it came from. */
export interface ScanUnit {
  /** For git: the blob OID. For files: a stable id chosen by the source. */
  id: string;
  /** Raw bytes (decoded by the matcher: UTF-8, UTF-16 with or without BOM; binary is skipped). */
  bytes?: Uint8Array;
  /** Already-decoded text (commit messages, stdin decoded by the caller). */
  text?: string;
  /** A path the unit is known under, for path-scoped rules and allowlists. */
  pathHint?: string;
  /**
   * A git blob the worker reads itself (instead of `bytes`): the history audit hands out blob ids so that reading
   * (inflate, deltas) runs on the worker threads too, not only matching.
   */
  gitBlob?: { objectsDir: string; oid: string };
  /** Units with the same affinity go to the same worker (blobs of one path share delta chains and caches). */
  affinity?: number;
}

export interface RawMatch {
  ruleId: string;
  unitId: string;
  /** UTF-16 offsets of the secret within the decoded text. */
  start: number;
  end: number;
  /** 1-based line and column (column counts Unicode code points; a tab is one). */
  line: number;
  column: number;
  endLine: number;
  /** Column of the last character of the secret, inclusive, 1-based. */
  endColumn: number;
  secret: string;
  /** The whole regex match (may contain context such as `password=`). */
  match: string;
  entropy: number;
  /** Named capture groups (used for verifier pairing, e.g. a username next to a password). */
  groups: Record<string, string>;
}

export type UnitSkipReason = 'binary' | 'too-large' | 'empty';

export interface UnitResult {
  unitId: string;
  matches: RawMatch[];
  skipped?: UnitSkipReason;
  /** Text encoding detected. */
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be';
  bytes: number;
  /** A Git LFS pointer file (the content is elsewhere). */
  lfsPointer?: boolean;
  /** The unit could not be read (a missing or corrupt git object): data, not an exception. */
  error?: ErrorData;
}

/** Where a unit came from. Stays on the main thread; joined to matches by unit id. */
export type Provenance =
  | {
      kind: 'commit';
      commit: string;
      parents: string[];
      path: string;
      blob: string;
      author: string;
      email: string;
      /** ISO 8601. */
      date: string;
      subject: string;
    }
  | { kind: 'commit-message'; commit: string; author: string; email: string; date: string; subject: string }
  | { kind: 'tag-message'; tag: string; object: string; tagger: string; email: string; date: string }
  | { kind: 'unreachable-blob'; blob: string }
  | { kind: 'staged'; path: string; blob: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' };

export type VerificationStatus = 'valid' | 'invalid' | 'unknown' | 'canary';

export interface VerificationResult {
  status: VerificationStatus;
  detail: string;
  /** ISO 8601. */
  checkedAt: string;
  /** Kind-specific facts, e.g. AWS account and ARN. Never the secret. */
  facts?: Record<string, string>;
}

export type FindingStatus = 'present' | 'history-only' | 'unreachable';

export interface Occurrence {
  /** Repository-relative path, or `<commit message>` / `<tag message>` / `<stdin>`. */
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Blob OID (git) or unit id. */
  blob?: string;
  /** The commit that brought this blob in at this path (git sources). */
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  /** True where this occurrence's commit introduced the secret. */
  introduced?: boolean;
}

export interface CommitRef {
  commit: string;
  author: string;
  email: string;
  date: string;
  subject: string;
}

/** One distinct secret per rule, with everything known about it. */
export interface Finding {
  /** Stable content identity: `ruleId:` + hex of a hash of the secret (salted by the baseline when one is used). */
  fingerprint: string;
  ruleId: string;
  ruleName: string;
  severity: Severity;
  /** The secret. Reporters print `redacted` unless the user passed --no-redact. */
  secret: string;
  redacted: string;
  entropy: number;
  occurrences: Occurrence[];
  introducedIn: CommitRef[];
  removedIn: CommitRef[];
  /** Refs whose tip still contains the secret. */
  atTips: string[];
  status: FindingStatus;
  verification?: VerificationResult;
  /** Named capture groups of the first occurrence (for verifier pairing). Never printed. */
  groups?: Record<string, string>;
}

/** Coded error data, as carried across worker boundaries and printed by the CLI. */
export interface ErrorData {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Short form of an HTTP check in a rule file: `verify: {kind: http, use: github-token}`, optionally with fields that
 * override the named catalog entry. The verify layer resolves it against src/verify/http-specs.json.
 */
export type HttpVerifyRef = { kind: 'http'; use: string } & Partial<Omit<HttpVerifySpec, 'kind' | 'use'>>;
