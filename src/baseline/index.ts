// Public API of the baseline ledger (`.leakhound-baseline.json`): the CLI's `baseline` commands and `--baseline`
// suppression in audit/scan/protect/ci are thin wrappers over these. See FORMAT.md in this directory.
// Owns: nothing but the re-exports. May import: ./*.
export {
  BASELINE_TOOL,
  BASELINE_VERSION,
  DEFAULT_BASELINE_FILE,
  DEFAULT_KDF,
  DEFAULT_MAX_OCCURRENCES,
  KEY_HASH_CHARS,
  createBaseline,
  locateJsonError,
  parseBaseline,
  serialize,
  validateBaseline,
} from './format.js';
export type {
  Baseline,
  BaselineEntry,
  BaselineOccurrence,
  BaselineVerification,
  HashAlg,
  KdfSettings,
  ScannedValue,
  ScryptParams,
  Triage,
  TriageState,
  ValidationProblem,
} from './format.js';
export {
  clearIdentityCache,
  estimatedEntropyBits,
  hashSecret,
  identify,
  isLowEntropy,
  prepareIdentities,
  shannonBitsPerChar,
} from './identity.js';
export type { Identity } from './identity.js';
export { acquireLock, load, loadOrCreate, runMergeDriver, save, update } from './io.js';
export type { Lock, SaveOptions, SaveResult, UpdateOptions } from './io.js';
export {
  FINDING_CLASSES,
  accept,
  classify,
  expiryInstant,
  isExpired,
  markFalsePositive,
  markRotated,
  merge,
  mergeThreeWay,
  prune,
  reopen,
  resolveKey,
  status,
  toBaselineVerification,
  withTips,
} from './ops.js';
export type {
  BaselineStatus,
  Classification,
  ClassifiedFinding,
  ClassifyOptions,
  EntryRef,
  FindingClass,
  HintOutcome,
  MergeOptions,
  MergeResult,
  MergeScope,
  TriageHint,
  ThreeWayResult,
  TriageResult,
} from './ops.js';
export { detectForeignKind, importForeign, parseForeign } from './import.js';
export { recordVerifications } from './verification.js';
export type { RecordedVerifications } from './verification.js';
export type { ForeignImport, ForeignKind, ImportOptions } from './import.js';
