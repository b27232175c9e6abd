// Coded errors, one code per failure kind (after isomorphic-git's errors): a `code`, structured `data`, `toJSON`,
// so they cross worker boundaries as plain data and the CLI can print one clear line and pick the exit code.
// Expected outcomes (a binary file skipped, a verification that could not be made) are data, not errors.
// May import: types.
import type { ErrorData } from '../types/index.js';

export type ErrorCode =
  | 'E_USAGE'
  | 'E_PATH_NOT_FOUND'
  | 'E_READ'
  | 'E_RULE_FILE'
  | 'E_CONFIG'
  | 'E_NOT_A_REPO'
  | 'E_EMPTY_REPO'
  | 'E_BAD_REF'
  | 'E_OBJECT_MISSING'
  | 'E_OBJECT_CORRUPT'
  | 'E_BASELINE_CORRUPT'
  | 'E_BASELINE_FOREIGN'
  | 'E_BASELINE_LOCKED'
  | 'E_BASELINE_NOT_FOUND'
  | 'E_FINGERPRINT_NOT_FOUND'
  | 'E_SHALLOW'
  | 'E_WORKER'
  | 'E_INTERNAL';

export class LeakhoundError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = 'LeakhoundError';
    this.code = code;
    this.data = data;
  }

  toJSON(): ErrorData {
    return { code: this.code, message: this.message, data: this.data };
  }

  static fromJSON(e: ErrorData): LeakhoundError {
    return new LeakhoundError(e.code as ErrorCode, e.message, e.data ?? {});
  }
}

/** A rule or config file problem, always naming file and line. */
export function ruleFileError(file: string, line: number, message: string, ruleId?: string): LeakhoundError {
  const where = ruleId ? `${file}:${line}: rule ${ruleId}: ` : `${file}:${line}: `;
  return new LeakhoundError('E_RULE_FILE', where + message, { file, line, ...(ruleId ? { ruleId } : {}) });
}

export function isLeakhoundError(e: unknown): e is LeakhoundError {
  return e instanceof LeakhoundError;
}
