// Golden outputs of `leakhound ci --full` for every format, from one fixed repository (fixed authors and dates, so
// commit ids are fixed too). Temp paths and the tool version are normalised. UPDATE_GOLDEN=1 rewrites the files.
// The SARIF output is validated against the OASIS SARIF 2.1.0 schema (a copy is next to this file).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TOKENS } from '../helpers/rules.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'lh-golden-'));
const repo = join(tmp, 'fixture');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DATE = '2024-01-02T03:04:05+00:00';
const GENV = { ...process.env, GIT_AUTHOR_NAME: 'Ada Example', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada Example', GIT_COMMITTER_EMAIL: 'ada@example.com', GIT_AUTHOR_DATE: DATE, GIT_COMMITTER_DATE: DATE, GIT_CONFIG_NOSYSTEM: '1', HOME: tmp };
const git = (...a: string[]): void => void execFileSync('git', a, { cwd: repo, env: GENV });
const CLEAN_ENV: Record<string, string | undefined> = { GITHUB_ACTIONS: undefined, GITLAB_CI: undefined, GITHUB_STEP_SUMMARY: undefined, SOURCE_DATE_EPOCH: '1704164645', NO_COLOR: '1' };

beforeAll(() => {
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: GENV });
  writeFileSync(join(repo, 'config.py'), `DEBUG = False\nGITHUB_TOKEN = "${TOKENS.ghp}"\n`);
  git('add', '.');
  git('commit', '-qm', 'config with a token');
  writeFileSync(join(repo, 'config.py'), 'DEBUG = False\nGITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n');
  writeFileSync(join(repo, 'billing.env'), `STRIPE_KEY=${TOKENS.skLive}\nAWS_ACCESS_KEY_ID=${TOKENS.akia}\n`);
  git('add', '.');
  git('commit', '-qm', 'billing; token moved to the environment');
});

function normalise(s: string): string {
  const version = (JSON.parse(readFileSync(join(HERE, '../../package.json'), 'utf8')) as { version: string }).version;
  return s.split(repo).join('<repo>').split(tmp).join('<tmp>').split(`"${version}"`).join('"<version>"');
}

const FORMATS = ['text', 'json', 'jsonl', 'sarif', 'github', 'gitlab'] as const;

describe('golden reports', () => {
  for (const format of FORMATS) {
    it(format, () => {
      const r = runCli(['ci', '--full', '--format', format, '--threads', '0'], { cwd: repo, env: CLEAN_ENV });
      expect(r.code, r.stderr).toBe(1);
      const got = normalise(r.stdout);
      const file = join(HERE, `ci.${format}.golden`);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, got);
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('SARIF validates against the SARIF 2.1.0 schema and follows GitHub code scanning rules', () => {
    const r = runCli(['ci', '--full', '--format', 'sarif', '--threads', '0'], { cwd: repo, env: CLEAN_ENV });
    const log = JSON.parse(r.stdout) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string; help: { text: string }; shortDescription: { text: string }; fullDescription: { text: string }; properties: { tags: string[] } }> } }; results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>; partialFingerprints: Record<string, string>; message: { text: string } }> }> };
    const schema = JSON.parse(readFileSync(join(HERE, 'sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new AjvModule.default({ strict: false, allErrors: true });
    ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s));
    ajv.addFormat('uri-reference', (s: string) => !/[\s<>"{}|\\^`]/.test(s));
    ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
    const validate = ajv.compile(schema);
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const run = log.runs[0]!;
    expect(run.results.length).toBeGreaterThanOrEqual(3);
    const ids = run.tool.driver.rules.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of run.tool.driver.rules) {
      expect(rule.help.text).toContain('Remediation:');
      expect(rule.shortDescription.text.length).toBeLessThanOrEqual(1024);
      expect(rule.properties.tags).toContain('external/cwe/cwe-798');
      expect(rule.properties.tags.length).toBeLessThanOrEqual(20);
    }
    for (const res of run.results) {
      expect(ids).toContain(res.ruleId);
      expect(res.locations[0]!.physicalLocation.artifactLocation.uri).not.toMatch(/^\/|^file:/);
      expect(res.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
      for (const t of Object.values(TOKENS)) expect(res.message.text).not.toContain(t);
    }
    // Stable across runs.
    const again = JSON.parse(runCli(['ci', '--full', '--format', 'sarif', '--threads', '0'], { cwd: repo, env: CLEAN_ENV }).stdout) as typeof log;
    expect(again.runs[0]!.results.map((x) => x.partialFingerprints)).toEqual(run.results.map((x) => x.partialFingerprints));
  });
});
