import { describe, expect, it } from 'vitest';
import { Matcher, keywordPrefilter } from '../../src/matcher/index.js';
import { builtin, TOKENS } from '../helpers/rules.js';

const { rules, allow } = builtin();
const m = new Matcher(rules, { allow });

function only(text: string) {
  return m.scanText(text, 'u').matches;
}

describe('positions', () => {
  it('reports 1-based line and column of the secret, end inclusive', () => {
    const [f] = only(`a\nb\n  token = ${TOKENS.ghp}\n`);
    expect(f).toMatchObject({ ruleId: 'github.pat-classic', line: 3, column: 11, endLine: 3, endColumn: 10 + TOKENS.ghp.length, secret: TOKENS.ghp });
  });
  it('is correct with CRLF line endings', () => {
    const [f] = only(`x\r\ny\r\n\tk=${TOKENS.ghp}\r\n`);
    expect(f).toMatchObject({ line: 3, column: 4 });
  });
  it('counts a tab as one column', () => {
    expect(only(`\t\t${TOKENS.ghp}`)[0]).toMatchObject({ line: 1, column: 3 });
  });
  it('counts an astral character (emoji) as one column', () => {
    const [f] = only(`😀😀 ${TOKENS.ghp} 🎉`);
    expect(f).toMatchObject({ line: 1, column: 4, endColumn: 3 + TOKENS.ghp.length, secret: TOKENS.ghp });
  });
  it('finds a secret deep in a 100 KB minified line', () => {
    const pad = 'var a=function(b){return b+1};'.repeat(3500);
    const text = pad + `var k="${TOKENS.ghp}";` + pad;
    const [f] = only(text);
    expect(f).toMatchObject({ line: 1, column: pad.length + 8, secret: TOKENS.ghp });
  });
  it('multi-line secrets report their end line', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----';
    const [f] = only(`key:\n${pem}\n`);
    expect(f).toMatchObject({ ruleId: 'private-key.pem', line: 2, column: 1, endLine: 5, endColumn: 29 });
  });
});

describe('encodings', () => {
  it('decodes UTF-16 LE and BE with a BOM', () => {
    const text = `x = "${TOKENS.ghp}"\n`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const r = m.scanUnit({ id: 'le', bytes: le });
    expect(r.encoding).toBe('utf-16le');
    expect(r.matches[0]).toMatchObject({ secret: TOKENS.ghp, column: 6 });
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    const rb = m.scanUnit({ id: 'be', bytes: be });
    expect(rb.encoding).toBe('utf-16be');
    expect(rb.matches[0]?.secret).toBe(TOKENS.ghp);
  });
  it('decodes UTF-16 LE without a BOM', () => {
    const r = m.scanUnit({ id: 'le', bytes: Buffer.from(`token ${TOKENS.ghp}\n`, 'utf16le') });
    expect(r.encoding).toBe('utf-16le');
    expect(r.matches).toHaveLength(1);
  });
  it('skips binary units and says so', () => {
    const bytes = Buffer.concat([Buffer.from([0, 1, 2, 3, 0, 0, 7]), Buffer.from(TOKENS.ghp)]);
    const r = m.scanUnit({ id: 'bin', bytes });
    expect(r.skipped).toBe('binary');
    expect(r.matches).toHaveLength(0);
  });
  it('scans around invalid UTF-8 without losing offsets of what follows', () => {
    const bytes = Buffer.concat([Buffer.from([0xc3, 0x28, 0xff, 0x0a]), Buffer.from(`k=${TOKENS.ghp}`)]);
    const r = m.scanUnit({ id: 'bad', bytes });
    expect(r.matches[0]).toMatchObject({ line: 2, column: 3, secret: TOKENS.ghp });
  });
  it('skips units over maxBytes', () => {
    const small = new Matcher(rules, { allow, maxBytes: 10 });
    expect(small.scanUnit({ id: 'big', bytes: Buffer.from(TOKENS.ghp) }).skipped).toBe('too-large');
  });
});

describe('allowlists', () => {
  it.each(['leakhound:allow', 'gitleaks:allow', 'pragma: allowlist secret', 'trufflehog:ignore'])('honours inline %s', (marker) => {
    expect(only(`k = "${TOKENS.ghp}" # ${marker}`)).toHaveLength(0);
  });
  it('honours pragma: allowlist nextline secret on the previous line', () => {
    expect(only(`# pragma: allowlist nextline secret\nk = "${TOKENS.ghp}"`)).toHaveLength(0);
  });
  it('inline allow can be switched off', () => {
    const strict = new Matcher(rules, { allow, inlineAllow: false });
    expect(strict.scanText(`k = "${TOKENS.ghp}" # gitleaks:allow`, 'u').matches).toHaveLength(1);
  });
  it('drops placeholders and template references through the global allowlist', () => {
    expect(only('password = "${DB_PASSWORD}"')).toHaveLength(0);
    expect(only('api_key = "<your-api-key>"')).toHaveLength(0);
    expect(only('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toHaveLength(0);
  });
  it('a checksum failure means it is not that token', () => {
    expect(only('ghp_0qNY1E5Pg0w7byRFfwEwVVonHlMHP7AAAAAA')).toHaveLength(0);
  });
  it('path-scoped global allowlist skips the unit', () => {
    expect(m.scanText(TOKENS.ghp, 'u', 'node_modules/x/index.js').matches).toHaveLength(0);
  });
});

describe('semantics', () => {
  it('a match must contain a keyword of its rule', () => {
    const r = new Matcher([{ ...rules.find((x) => x.id === 'github.pat-classic')!, keywords: ['zzz_'] }], { allow });
    expect(r.scanText(TOKENS.ghp, 'u').matches).toHaveLength(0);
  });
  it('finds every secret when many are on one line and the keyword is dense', () => {
    const line = Array.from({ length: 50 }, () => `key ${TOKENS.ghp}`).join(' ');
    expect(only(line)).toHaveLength(50);
  });
});

describe('keywordPrefilter (what the audit asks on its own thread before sending a commit message to a worker)', () => {
  const mayMatch = keywordPrefilter(rules);
  const texts = [
    'Merge pull request #12 from someone/branch',
    'fix: typo in README',
    `deploy with token ${TOKENS.ghp}`,
    `aws: AKIA${'Q'.repeat(16)}`,
    `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----`,
    ...Object.values(TOKENS).map((t) => `x ${t} y`),
  ];
  it('is false only where scanText finds nothing, and false for plain prose', () => {
    let passed = 0;
    for (const t of texts) {
      const found = only(t).length;
      if (!mayMatch(t)) expect(found, t).toBe(0);
      else passed++;
      if (found > 0) expect(mayMatch(t), t).toBe(true);
    }
    expect(passed).toBeGreaterThanOrEqual(Object.keys(TOKENS).length);
    expect(mayMatch('fix: typo in README')).toBe(false);
  });
  it('is true for every text when a rule has no keywords, or without the prefilter; keywords match in any case', () => {
    const ghp = rules.find((x) => x.id === 'github.pat-classic')!;
    const always = [{ ...ghp, keywords: [] }];
    expect(keywordPrefilter(always)('fix: typo in README')).toBe(true);
    // Such a rule does match texts without any keyword: passing everything is what keeps the prefilter exact.
    expect(new Matcher(always, { allow }).scanText(`x ${TOKENS.ghp}`, 'u').matches).toHaveLength(1);
    expect(keywordPrefilter(rules, false)('fix: typo in README')).toBe(true);
    expect(keywordPrefilter([{ ...ghp, keywords: ['zzz_'] }])(`x ${TOKENS.ghp}`)).toBe(false);
    expect(keywordPrefilter([{ ...ghp, keywords: ['ZZZ_'] }])(`x zzz_ ${TOKENS.ghp}`)).toBe(true);
  });
});
