// Loads the built-in rules once per test file.
import { loadBuiltin } from '../../src/rules/load.js';
import type { GlobalAllowlist, RuleSpec } from '../../src/types/index.js';

let cached: { rules: RuleSpec[]; allow: GlobalAllowlist } | undefined;
export function builtin(): { rules: RuleSpec[]; allow: GlobalAllowlist } {
  if (!cached) {
    const b = loadBuiltin();
    cached = { rules: b.files.flatMap((f) => f.rules), allow: b.allow };
  }
  return cached;
}

/** Format-true synthetic tokens used across tests (not real credentials). */
export const TOKENS = {
  ghp: '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',
  akia: 'AKIAJF64WQMMCOYZLZLP',
  awsSecret: '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',
  xoxb: 'xoxb-39386791947-9644185673829-RxPU2Ymi5T53pdewyl2hzD66',
  skLive: 'sk_live_oBTFYn76SupeMxDDh803P43F',
};
