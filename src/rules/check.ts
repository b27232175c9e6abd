// Rule checking: compile every rule and run its examples through the full matcher.
// Owns: what `leakhound rules check` and the test suite assert about rule files.
// May import: types, matcher.
import { Matcher, compilePattern } from '../matcher/index.js';
import type { GlobalAllowlist, RuleSpec } from '../types/index.js';

export interface RuleProblem {
  ruleId: string;
  file: string;
  line: number;
  message: string;
}

export interface RuleReport {
  ruleId: string;
  engine: 'v8' | 're2';
  costPerStart: number;
  reason: string;
  positives: number;
  negatives: number;
}

/** Checks rules; returns per-rule engine facts and every problem found (an empty list means all good). */
export function checkRules(rules: RuleSpec[], allow?: GlobalAllowlist): { reports: RuleReport[]; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const reports: RuleReport[] = [];
  for (const rule of rules) {
    const where = { ruleId: rule.id, file: rule.source.file, line: rule.source.line };
    let matcher: Matcher;
    try {
      const c = compilePattern(rule.pattern, rule.flags);
      reports.push({ ruleId: rule.id, engine: c.engine, costPerStart: c.verdict.costPerStart, reason: c.verdict.reason, positives: rule.examples.length, negatives: rule.negativeExamples.length });
      matcher = new Matcher([rule], allow ? { allow } : {});
    } catch (e) {
      problems.push({ ...where, message: `does not compile: ${(e as Error).message}` });
      continue;
    }
    if (rule.examples.length === 0) problems.push({ ...where, message: 'has no positive examples' });
    if (rule.negativeExamples.length === 0) problems.push({ ...where, message: 'has no negative examples' });
    rule.examples.forEach((ex, i) => {
      const found = matcher.scanText(ex.text, `example-${i}`).matches;
      if (found.length === 0) problems.push({ ...where, message: `positive example ${i + 1} is not found: ${JSON.stringify(ex.text.slice(0, 120))}` });
      else if (ex.secret !== undefined && !found.some((m) => m.secret === ex.secret))
        problems.push({ ...where, message: `positive example ${i + 1}: expected secret ${JSON.stringify(ex.secret)}, got ${JSON.stringify(found.map((m) => m.secret))}` });
    });
    rule.negativeExamples.forEach((ex, i) => {
      const found = matcher.scanText(ex.text, `negative-${i}`).matches;
      if (found.length > 0) problems.push({ ...where, message: `negative example ${i + 1} is reported (secret ${JSON.stringify(found[0]!.secret)}): ${JSON.stringify(ex.text.slice(0, 120))}` });
    });
  }
  return { reports, problems };
}
