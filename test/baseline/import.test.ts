import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaseline, importForeign, merge, parseForeign, save, serialize } from '../../src/baseline/index.js';
import { AWS_ID, AWS_SECRET, C1, C2, GH_TOKEN, PASSWORD, finding, occ, tempDir } from './helpers.js';

const NOW = '2025-03-01T12:00:00Z';
const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

// A gitleaks JSON report as `gitleaks git --report-path` writes it (one redacted-by-percentage item).
const gitleaksReport = JSON.stringify(
  [
    {
      RuleID: 'aws-access-token',
      Description: 'Identified a pattern that may indicate AWS credentials.',
      StartLine: 3,
      EndLine: 3,
      StartColumn: 19,
      EndColumn: 38,
      Match: `aws_access_key_id=${AWS_ID}`,
      Secret: AWS_ID,
      File: 'config/app.env',
      SymlinkFile: '',
      Commit: C1,
      Entropy: 3.68,
      Author: 'Dev',
      Email: 'dev@example.com',
      Date: '2024-01-01T00:00:00Z',
      Message: 'add config',
      Tags: [],
      Fingerprint: `${C1}:config/app.env:aws-access-token:3`,
    },
    {
      RuleID: 'github-pat',
      Description: 'GitHub Personal Access Token',
      StartLine: 12,
      EndLine: 12,
      StartColumn: 9,
      EndColumn: 48,
      Match: 'token: REDACTED',
      Secret: 'REDACTED',
      File: 'scripts\\deploy.sh',
      Commit: C2,
      Entropy: 5.1,
      Author: 'Dev',
      Email: 'dev@example.com',
      Date: '2024-02-01T00:00:00Z',
      Message: 'deploy',
      Tags: [],
      Fingerprint: `${C2}:scripts/deploy.sh:github-pat:12`,
    },
    { RuleID: 'generic-api-key', StartLine: 1, Secret: 'REDACTED', File: '', Commit: '', Fingerprint: 'x' },
  ],
  null,
  1,
);

const gitleaksIgnore = `# fingerprints from gitleaks, see docs
${C1}:config/app.env:aws-access-token:3

# test fixture for the CI password check
# (owner: platform team)
tests/fixtures/db.yml:generic-password:14
not-a-fingerprint
`;

const detectSecretsBaseline = JSON.stringify(
  {
    version: '1.5.0',
    plugins_used: [{ name: 'AWSKeyDetector' }, { name: 'KeywordDetector', keyword_exclude: '' }],
    filters_used: [{ path: 'detect_secrets.filters.allowlist.is_line_allowlisted' }],
    results: {
      'config/app.env': [
        { type: 'AWS Access Key', filename: 'config/app.env', hashed_secret: sha1(AWS_ID), is_verified: false, line_number: 3, is_secret: true },
        { type: 'Secret Keyword', filename: 'config/app.env', hashed_secret: sha1(AWS_SECRET), is_verified: false, line_number: 4 },
      ],
      'tests/fixtures/db.yml': [
        { type: 'Secret Keyword', filename: 'tests/fixtures/db.yml', hashed_secret: sha1(PASSWORD), is_verified: false, line_number: 14, is_secret: false },
      ],
      'docs/old.md': [{ type: 'Hex High Entropy String', filename: 'docs/old.md', hashed_secret: sha1('gone-long-ago'), is_verified: false, line_number: 1 }],
    },
    generated_at: '2021-04-15T17:02:50Z',
  },
  null,
  2,
);

const run = () => [
  finding('aws.access-key-id', AWS_ID, { occurrences: [occ('config/app.env', 3, C1, true)] }),
  finding('aws.secret-key', AWS_SECRET, { occurrences: [occ('config/app.env', 4, C1, true)] }),
  finding('github.pat', GH_TOKEN, { occurrences: [occ('scripts/deploy.sh', 12, C2, true)] }),
  finding('generic.password', PASSWORD, { occurrences: [occ('tests/fixtures/db.yml', 14, C1, true)] }),
];

describe('importers', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('detects the three formats from content', () => {
    expect(parseForeign(gitleaksReport, 'gitleaks-report.json').kind).toBe('gitleaks-report');
    expect(parseForeign(gitleaksIgnore, '.gitleaksignore').kind).toBe('gitleaksignore');
    expect(parseForeign(detectSecretsBaseline, '.secrets.baseline').kind).toBe('detect-secrets');
    expect(() => parseForeign(serialize(createBaseline()), 'x.json')).toThrow(/already a leakhound baseline/);
    expect(() => parseForeign('{"foo": 1}', 'x.json')).toThrow(/unrecognised format/);
  });

  it('gitleaks report: known findings (open), matched by SHA-1 of Secret or, when redacted, by position', () => {
    const imp = parseForeign(gitleaksReport, 'gitleaks-report.json');
    expect(imp.hints).toHaveLength(2);
    expect(imp.hints[0]).toMatchObject({ sha1: sha1(AWS_ID), foreignRule: 'aws-access-token', triage: { state: 'open' } });
    expect(imp.hints[0]!.position).toBeUndefined();
    expect(imp.hints[1]).toMatchObject({ position: { path: 'scripts/deploy.sh', line: 12, commit: C2 } });
    expect(JSON.stringify(imp.hints)).not.toContain(AWS_ID);
    expect(imp.warnings).toEqual(['gitleaks-report.json#2: redacted secret and no File: cannot be matched, skipped']);
    const m = merge(createBaseline(), run(), { now: NOW, scope: 'full', hints: imp.hints });
    expect(m.hints.unmatched).toEqual([]);
    expect(m.hints.applied.map((a) => a.key.split(':')[0]).sort()).toEqual(['aws.access-key-id', 'github.pat']);
    expect(Object.values(m.baseline.entries).every((e) => e.triage.state === 'open')).toBe(true);
  });

  it('.gitleaksignore: positional lines become accepted with the comment above as reason; a different secret there later is new', () => {
    const imp = parseForeign(gitleaksIgnore, '.gitleaksignore');
    expect(imp.hints.map((h) => h.position)).toEqual([
      { path: 'config/app.env', line: 3, commit: C1 },
      { path: 'tests/fixtures/db.yml', line: 14 },
    ]);
    expect(imp.hints[1]!.triage).toEqual({
      state: 'accepted',
      reason: 'test fixture for the CI password check (owner: platform team)',
      by: 'import:gitleaksignore',
    });
    expect(imp.warnings).toEqual(['.gitleaksignore:7: not a gitleaks fingerprint (commit:file:rule:line or file:rule:line), skipped']);
    const m = merge(createBaseline(), run(), { now: NOW, scope: 'full', hints: imp.hints });
    const byRule = Object.fromEntries(Object.values(m.baseline.entries).map((e) => [e.ruleId, e.triage]));
    expect(byRule['aws.access-key-id']).toMatchObject({ state: 'accepted', reason: 'fingerprints from gitleaks, see docs', at: '2025-03-01T12:00:00.000Z' });
    expect(byRule['generic.password']).toMatchObject({ state: 'accepted' });
    expect(byRule['aws.secret-key']).toEqual({ state: 'open' });
    // later, a new password on that same ignored line: content identity -> new, fails
    const next = merge(m.baseline, [finding('generic.password', 'Autumn2026#', { occurrences: [occ('tests/fixtures/db.yml', 14, C2, true)] })], {
      now: NOW,
      scope: 'partial',
    });
    expect(next.classification.items[0]!.class).toBe('new');
  });

  it('detect-secrets: is_secret false -> false-positive, true/unaudited -> open; matched by SHA-1; unmatched are reported; no SHA-1 reaches our file', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const src = join(t.dir, '.secrets.baseline');
    writeFileSync(src, detectSecretsBaseline);
    const imp = importForeign(src, { by: 'migration by alice' });
    expect(imp.kind).toBe('detect-secrets');
    expect(imp.hints).toHaveLength(4);
    const m = merge(createBaseline(), run(), { now: NOW, scope: 'full', hints: imp.hints });
    const byRule = Object.fromEntries(Object.values(m.baseline.entries).map((e) => [e.ruleId, e.triage]));
    expect(byRule['generic.password']).toEqual({
      state: 'false-positive',
      reason: 'detect-secrets audit: not a secret (is_secret: false)',
      by: 'migration by alice',
      at: '2025-03-01T12:00:00.000Z',
    });
    expect(byRule['aws.access-key-id']).toEqual({ state: 'open' });
    expect(m.hints.unmatched.map((h) => h.origin)).toEqual([`${src}:results/docs/old.md/0`]);
    expect(m.hints.applied.filter((a) => a.result === 'set')).toHaveLength(1);
    // an existing decision is kept, not overwritten by an import
    const again = merge(m.baseline, run(), { now: NOW, scope: 'full', hints: parseForeign(gitleaksIgnore, '.gitleaksignore').hints });
    const pw = Object.values(again.baseline.entries).find((e) => e.ruleId === 'generic.password')!;
    expect(pw.triage.state).toBe('false-positive');
    const out = join(t.dir, '.leakhound-baseline.json');
    save(out, m.baseline);
    const text = readFileSync(out, 'utf8');
    for (const s of [AWS_ID, AWS_SECRET, PASSWORD]) expect(text).not.toContain(sha1(s));
  });
});
