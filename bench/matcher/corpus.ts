// Builds the matcher benchmark corpus deterministically: source-like text in several languages with the keywords
// real code is full of (key, token, secret, password, auth), fake secrets at a realistic density, minified bundles
// and lockfiles. Usage: npx tsx bench/matcher/corpus.ts [MB=64] [dir=bench/.corpus/matcher]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, base62 } from '../../src/matcher/checks.js';
import { pick, prng, randStr } from '../lib/prng.js';

const WORDS = 'const let var function return if else for while import export from class new this self def async await try catch throw value result data item list map config options request response user name id key token secret password auth cache index count error message handler client server buffer stream parse format path file read write update delete create session header cookie hash salt'.split(' ');
const SNIPPETS = [
  (r: () => number) => `const ${pick(r, WORDS)}Key = cache.get(${pick(r, WORDS)}Key);`,
  (r: () => number) => `if (!token || token.expired) { token = await auth.refresh(${pick(r, WORDS)}); }`,
  (r: () => number) => `    ${pick(r, WORDS)}_password = os.environ.get("${pick(r, WORDS).toUpperCase()}_PASSWORD")`,
  (r: () => number) => `  secretName: ${pick(r, WORDS)}-${pick(r, WORDS)}-secret`,
  (r: () => number) => `func (c *Client) ${pick(r, WORDS)}Token(ctx context.Context) (string, error) {`,
  (r: () => number) => `<input type="password" name="${pick(r, WORDS)}" autocomplete="current-password">`,
  (r: () => number) => `  "${pick(r, WORDS)}": "${randStr(r, 8 + Math.floor(r() * 20), 'abcdefghijklmnopqrstuvwxyz ')}",`,
  (r: () => number) => `// ${Array.from({ length: 8 }, () => pick(r, WORDS)).join(' ')}`,
  () => `    api_key_header = "X-Api-Key"  # header name, not a key`,
  (r: () => number) => `    return hashlib.sha256(${pick(r, WORDS)}.encode()).hexdigest()`,
];

function ghp(r: () => number): string {
  const body = randStr(r, 30);
  return `ghp_${body}${base62(crc32(body), 6)}`;
}
const SECRETS = [
  (r: () => number) => `GITHUB_TOKEN=${ghp(r)}`,
  (r: () => number) => `aws_access_key_id = AKIA${randStr(r, 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
  (r: () => number) => `aws_secret_access_key = ${randStr(r, 40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}`,
  (r: () => number) => `const stripe = require('stripe')('sk_live_${randStr(r, 24)}');`,
  (r: () => number) => `SLACK_BOT_TOKEN=xoxb-${randStr(r, 11, '0123456789')}-${randStr(r, 13, '0123456789')}-${randStr(r, 24)}`,
  (r: () => number) => `db_password = "${randStr(r, 14, 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%')}"`,
];

function sourceFile(r: () => number, bytes: number): string {
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    // About one secret per 40 KB of source.
    const line = r() < 0.0012 ? pick(r, SECRETS)(r) : pick(r, SNIPPETS)(r);
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

function minified(r: () => number, bytes: number): string {
  let s = '';
  while (s.length < bytes) s += `function ${randStr(r, 2, 'abcdefghij')}(${randStr(r, 1, 'abcde')}){return ${pick(r, WORDS)}.${pick(r, WORDS)}(${randStr(r, 1, 'abcde')},"${randStr(r, 12)}")};var k${randStr(r, 3)}="${pick(r, WORDS)}Token";`;
  return s;
}

function lockfile(r: () => number, bytes: number): string {
  const lines: string[] = ['{', '  "lockfileVersion": 3,', '  "packages": {'];
  let n = 0;
  while (n < bytes) {
    const name = `${pick(r, WORDS)}-${pick(r, WORDS)}`;
    const entry = `    "node_modules/${name}": {\n      "version": "${Math.floor(r() * 9)}.${Math.floor(r() * 20)}.${Math.floor(r() * 30)}",\n      "resolved": "https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz",\n      "integrity": "sha512-${randStr(r, 86, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}=="\n    },`;
    lines.push(entry);
    n += entry.length + 1;
  }
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

export function buildCorpus(dir: string, megabytes: number, seed = 7): { files: number; bytes: number } {
  const r = prng(seed);
  mkdirSync(dir, { recursive: true });
  const target = megabytes * 1e6;
  let total = 0;
  let i = 0;
  const exts = ['ts', 'py', 'go', 'java', 'yaml', 'rb'];
  while (total < target) {
    const kind = r();
    let text: string;
    let name: string;
    if (kind < 0.04) {
      text = minified(r, 200_000 + Math.floor(r() * 300_000));
      name = `bundle-${i}.min.js`;
    } else if (kind < 0.08) {
      text = lockfile(r, 100_000 + Math.floor(r() * 200_000));
      name = `lock-${i}.json`;
    } else {
      text = sourceFile(r, 2_000 + Math.floor(r() * 30_000));
      name = `src-${i}.${pick(r, exts)}`;
    }
    writeFileSync(join(dir, name), text);
    total += Buffer.byteLength(text);
    i++;
  }
  return { files: i, bytes: total };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mb = Number(process.argv[2] ?? 64);
  const dir = process.argv[3] ?? 'bench/.corpus/matcher';
  const r = buildCorpus(dir, mb);
  console.log(`corpus: ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB in ${dir}`);
}
