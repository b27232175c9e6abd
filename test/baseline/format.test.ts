import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accept,
  createBaseline,
  load,
  locateJsonError,
  markRotated,
  merge,
  parseBaseline,
  save,
  serialize,
  validateBaseline,
  type Baseline,
} from '../../src/baseline/index.js';
import { AWS_ID, AWS_SECRET, C1, C2, GH_TOKEN, PASSWORD, commitRef, finding, occ, tempDir } from './helpers.js';

const NOW = '2025-03-01T12:00:00Z';
const TIPS = { 'refs/heads/main': C2, 'refs/heads/dev': C1 };

function sample(): Baseline {
  const findings = [
    finding('aws.access-key-id', AWS_ID),
    finding('aws.secret-key', AWS_SECRET, {
      occurrences: [occ('deploy/prod.env', 7, C1, true), occ('deploy/prod.env', 9, C2)],
      introducedIn: [commitRef(C1)],
      removedIn: [commitRef(C2)],
      status: 'history-only',
      atTips: [],
    }),
    finding('github.pat', GH_TOKEN),
    finding('generic.password', PASSWORD),
  ];
  findings[2]!.verification = { status: 'invalid', detail: '401 Bad credentials', checkedAt: '2025-03-01T11:00:00Z', facts: { login: 'x' } };
  let { baseline } = merge(createBaseline(), findings, { now: NOW, scope: 'full', tips: TIPS, scanned: { refs: 'all', unreachable: true } });
  const awsKey = Object.keys(baseline.entries).find((k) => k.startsWith('aws.access-key-id:'))!;
  baseline = accept(baseline, awsKey, { reason: 'AWS documentation example key', by: 'alice', expires: '2025-12-31', now: NOW }).baseline;
  baseline = markRotated(baseline, 'github.pat', { at: NOW, verification: findings[2]!.verification! }).baseline;
  return baseline;
}

describe('baseline format', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('round-trips through the canonical text, with a trailing newline and 2-space indentation', () => {
    const b = sample();
    const text = serialize(b);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{\n  "version": 1,\n  "tool": "leakhound",\n  "salt": "')).toBe(true);
    const back = parseBaseline(text, 'x');
    expect(back).toEqual(b);
    expect(serialize(back)).toBe(text);
    expect(validateBaseline(back)).toBeUndefined();
  });

  it('is canonical: key insertion order does not matter, maps are sorted', () => {
    const b = sample();
    const shuffled = JSON.parse(JSON.stringify(b)) as Baseline;
    shuffled.entries = Object.fromEntries(Object.entries(b.entries).reverse());
    shuffled.seenTips = Object.fromEntries(Object.entries(b.seenTips).reverse());
    expect(serialize(shuffled)).toBe(serialize(b));
    const text = serialize(b);
    const keys = [...text.matchAll(/^ {4}"([^"]+:[0-9a-f]+)": \{$/gm)].map((m) => m[1]!);
    expect(keys.length).toBe(4);
    expect(keys).toEqual([...keys].sort());
    expect(text.indexOf('"refs/heads/dev"')).toBeLessThan(text.indexOf('"refs/heads/main"'));
    expect(text).not.toMatch(/generated|updatedAt|lastRun/);
  });

  it('re-running on unchanged input leaves the file byte-identical (and untouched)', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const file = join(t.dir, '.leakhound-baseline.json');
    const findings = [finding('aws.secret-key', AWS_SECRET), finding('generic.password', PASSWORD), finding('github.pat', GH_TOKEN)];
    const first = merge(createBaseline(), findings, { now: NOW, scope: 'full', tips: TIPS });
    expect(save(file, first.baseline).written).toBe(true);
    const bytes1 = readFileSync(file);
    // second run, later, findings in another order
    const second = merge(load(file), [...findings].reverse(), { now: '2025-04-01T00:00:00Z', scope: 'full', tips: TIPS });
    expect(second.added).toEqual([]);
    expect(second.updated).toEqual([]);
    expect(second.classification.counts['known-open']).toBe(3);
    expect(save(file, second.baseline).written).toBe(false);
    expect(readFileSync(file).equals(bytes1)).toBe(true);
    expect(serialize(second.baseline)).toBe(bytes1.toString('utf8'));
  });

  // ajv (draft-07 capable) is only reachable through eslint's copy; leakhound itself validates by hand (format.ts)
  const ajvPath = join(process.cwd(), 'node_modules/eslint/node_modules/ajv');
  it.skipIf(!existsSync(ajvPath))('the JSON Schema accepts what we write and rejects what the validator rejects', () => {
    const mod = createRequire(import.meta.url)(ajvPath) as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } };
    const schema = JSON.parse(readFileSync('schemas/baseline.schema.json', 'utf8')) as object;
    const validate = new mod({ allErrors: true }).compile(schema);
    const b = JSON.parse(serialize(sample())) as Baseline;
    expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(JSON.parse(serialize(createBaseline())))).toBe(true);
    const bad: Array<(x: Baseline) => void> = [
      (x) => ((x as { tool: string }).tool = 'gitleaks'),
      (x) => ((x as { version: number }).version = 2),
      (x) => (x.salt = 'abc'),
      (x) => (Object.values(x.entries)[0]!.triage = { state: 'accepted' } as never),
      (x) => ((Object.values(x.entries)[0] as { status: string }).status = 'gone'),
      (x) => ((Object.values(x.entries)[0] as unknown as Record<string, unknown>)['secret'] = 'x'),
      (x) => (x.entries['no-colon'] = Object.values(x.entries)[0]!),
    ];
    for (const mutate of bad) {
      const c = structuredClone(b);
      mutate(c);
      expect(validate(c)).toBe(false);
      expect(validateBaseline(c)).toBeDefined();
    }
  });

  it('validator names the JSON pointer of the problem', () => {
    const text = serialize(sample());
    const b = JSON.parse(text) as Baseline;
    const key = Object.keys(b.entries)[0]!;
    (b.entries[key]! as { hash: string }).hash = 'f'.repeat(64);
    expect(validateBaseline(b)).toEqual({ pointer: `/entries/${key}`, message: expect.stringContaining('key must be') as string });
    const c = JSON.parse(text) as Baseline;
    (c.entries[key]!.occurrences[0] as { line: unknown }).line = 'x';
    expect(validateBaseline(c)?.pointer).toBe(`/entries/${key}/occurrences/0/line`);
  });

  it('locates JSON syntax errors', () => {
    expect(locateJsonError('{"a": 1,\n  "b": }')).toEqual({ offset: 16, expected: 'a JSON value' });
    expect(locateJsonError('{"a": [1, 2')?.expected).toBe("',' or ']'");
    expect(locateJsonError('{"a": 1}')).toBeUndefined();
  });

  it('names the problem of a file that is not JSON with line:column', () => {
    expect(() => parseBaseline('{\n  "version": 1,\n  "tool": "leakhound",\n  "salt": \n}', 'f.json')).toThrow(
      /f\.json: not valid JSON at line 5, column 1: expected a JSON value/,
    );
  });
});
