// The built-in rule catalogue: every example of every rule through the full matcher, catalogue-wide invariants,
// and a catastrophe detector that feeds each rule adversarial input.
// Owns: assertions about patterns/*.yaml. May import: rules, matcher.
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../src/matcher/index.js';
import { checkRules } from '../../src/rules/check.js';
import { loadBuiltin } from '../../src/rules/load.js';
import type { RuleSpec } from '../../src/types/index.js';

const { files, allow } = loadBuiltin();
const rules: RuleSpec[] = files.flatMap((f) => f.rules);

describe('built-in rule catalogue', () => {
  it('has at least 150 rules with unique ids, one provider per file', () => {
    expect(rules.length).toBeGreaterThanOrEqual(150);
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of files) expect(f.provider.length).toBeGreaterThan(0);
  });

  it('gives every rule positive and negative examples, references, remediation and keywords', () => {
    const missing: string[] = [];
    for (const r of rules) {
      if (r.examples.length === 0) missing.push(`${r.id}: no positive examples`);
      if (r.negativeExamples.length === 0) missing.push(`${r.id}: no negative examples`);
      if (r.references.length === 0) missing.push(`${r.id}: no references`);
      if (!r.remediation || r.remediation.length < 20) missing.push(`${r.id}: no remediation`);
      if (r.keywords.length === 0) missing.push(`${r.id}: no keywords (would run on every unit)`);
      for (const k of r.keywords) if (k.trim().length < 3) missing.push(`${r.id}: keyword '${k}' is not distinctive`);
    }
    expect(missing).toEqual([]);
  });

  it('runs every example of every rule through the full matcher with no problem', () => {
    const { problems } = checkRules(rules, allow);
    expect(problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
  }, 300_000);

  it('reports an engine for every rule: V8 with a proven finite cost per start, or RE2', () => {
    const { reports } = checkRules(rules, allow);
    expect(reports.length).toBe(rules.length);
    for (const r of reports) {
      if (r.engine === 'v8') expect(Number.isFinite(r.costPerStart), r.ruleId).toBe(true);
      else expect(r.engine, r.ruleId).toBe('re2');
    }
  }, 300_000);
});

/** Characters the rule's own positive examples are made of: the classes its pattern accepts in practice. */
function alphabetOf(rule: RuleSpec): string {
  const chars = new Set<string>();
  for (const ex of rule.examples) for (const c of ex.text) if (c.charCodeAt(0) < 127) chars.add(c);
  return [...chars].join('') || 'aA0';
}

function adversarialInputs(rule: RuleSpec): string[] {
  const kw = rule.keywords[0] ?? 'x';
  const alpha = alphabetOf(rule);
  let run = '';
  for (let i = 0; run.length < 50_000; i++) run += alpha[(i * 7919) % alpha.length];
  const ex = rule.examples[0]?.text ?? kw;
  const neg = rule.negativeExamples[0]?.text ?? kw;
  const line100k = (kw + run).slice(0, 100_000).padEnd(100_000, alpha[0]);
  return [
    kw.repeat(Math.ceil(20_000 / kw.length)), // the keyword thousands of times
    (kw + ' = ' + run.slice(0, 3_000) + '\n').repeat(8), // long runs of the pattern's characters after the keyword
    line100k.replace(/\n/g, ' '), // a 100 KB single line
    (neg.replace(/\n/g, ' ') + ' ').repeat(Math.ceil(10_000 / (neg.length + 1))), // near-misses repeated
    ex.slice(0, Math.max(0, ex.length - 1)).repeat(Math.ceil(10_000 / Math.max(1, ex.length))), // truncated positives
  ];
}

describe('catastrophe detector: adversarial input for every rule', () => {
  // Generous bound: this detects exponential or quadratic blow-ups, it is not a benchmark.
  const BOUND_MS = 5_000;
  for (const rule of rules) {
    it(`${rule.id} completes on ~200 KB of adversarial input`, () => {
      const m = new Matcher([rule], { allow });
      const t0 = performance.now();
      let n = 0;
      for (const input of adversarialInputs(rule)) {
        n += input.length;
        m.scanText(input, 'adversarial');
      }
      const ms = performance.now() - t0;
      expect(n).toBeGreaterThan(150_000);
      expect(ms, `${rule.id} took ${ms.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
    }, 60_000);
  }
});
