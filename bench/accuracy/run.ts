// Accuracy benchmark: plants format-true synthetic credentials and near-miss negatives in realistic files, runs the
// full matcher with the built-in catalogue, and prints recall and precision by rule family as a markdown table.
// Run: npx tsx bench/accuracy/run.ts [--seed N] [--per-rule N]. Deterministic for a given seed. Nothing here is real.
// May import: rules, matcher, ./synth.
import { Matcher } from '../../src/matcher/index.js';
import { base62, crc32 } from '../../src/matcher/checks.js';
import { loadBuiltin } from '../../src/rules/load.js';
import type { RuleSpec } from '../../src/types/index.js';
import { ALPHABETS, type Rng, expand, pick, randomOf, rng } from './synth.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SEED = arg('--seed', 20261129);
const PER_RULE = arg('--per-rule', 6);
const r = rng(SEED);

const { files: ruleFiles, allow } = loadBuiltin();
const rules = ruleFiles.flatMap((f) => f.rules);
const family = (id: string): string => id.split('.')[0]!;

// ---------------------------------------------------------------------------------------------------------------
// Positives: each rule's examples give the context (the key name, the URL shape); the secret itself is re-drawn at
// random with the same shape: every character keeps its class (digit, lower, upper, hex), literal parts of the format
// (runs of 3+ characters that the rule's pattern spells out, like AKIA, T3BlbkFJ, AZDO, NRAL) are kept, and
// checksummed formats get a fresh valid checksum.

function literalMask(secret: string, rule: RuleSpec): boolean[] {
  const pattern = rule.pattern;
  const keep = new Array<boolean>(secret.length).fill(false);
  for (let i = 0; i < secret.length; i++)
    for (let len = Math.min(16, secret.length - i); len >= 3; len--) {
      if (pattern.includes(secret.slice(i, i + len))) {
        for (let k = i; k < i + len; k++) keep[k] = true;
        break;
      }
    }
  // Two-character literals at a group edge (the 11 of Jenkins tokens, the AA that ends Anthropic keys).
  for (let i = 0; i + 2 <= secret.length; i++) {
    const sub = secret.slice(i, i + 2);
    if (/^[A-Za-z0-9]{2}$/.test(sub) && (pattern.includes('(' + sub) || pattern.includes(sub + ')') || pattern.includes(sub + '[')))
      if (i === 0 || i + 2 === secret.length) (keep[i] = true), (keep[i + 1] = true);
  }
  for (const kw of rule.keywords) {
    const lower = secret.toLowerCase();
    for (let i = lower.indexOf(kw.toLowerCase()); i !== -1; i = lower.indexOf(kw.toLowerCase(), i + 1))
      for (let k = i; k < i + kw.length; k++) keep[k] = true;
  }
  return keep;
}

function redraw(secret: string, rule: RuleSpec, g: Rng): string {
  const keep = literalMask(secret, rule);
  // Each maximal alphanumeric run keeps its alphabet: hex runs stay hex.
  const hexAt = new Array<boolean>(secret.length).fill(false);
  const HEXAt = new Array<boolean>(secret.length).fill(false);
  for (const m of secret.matchAll(/[A-Za-z0-9]+/g)) {
    const isHex = /^[0-9a-f]+$/.test(m[0]) && /[a-f]/.test(m[0]);
    const isHEX = /^[0-9A-F]+$/.test(m[0]) && /[A-F]/.test(m[0]);
    for (let k = m.index!; k < m.index! + m[0].length; k++) (hexAt[k] = isHex), (HEXAt[k] = isHEX);
  }
  let out = '';
  for (let i = 0; i < secret.length; i++) {
    const c = secret[i]!;
    if (keep[i]) out += c;
    else if (hexAt[i]) out += pick(g, 'abcdef0123456789', 1);
    else if (HEXAt[i]) out += pick(g, 'ABCDEF0123456789', 1);
    else if (/[0-9]/.test(c)) out += pick(g, ALPHABETS.num!, 1);
    else if (/[a-z]/.test(c)) out += pick(g, ALPHABETS.lower!, 1);
    else if (/[A-Z]/.test(c)) out += pick(g, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1);
    else out += c;
  }
  if (rule.validate?.some((v) => v.endsWith('crc32'))) {
    const us = out.lastIndexOf('_');
    const body = randomOf(g, ALPHABETS.b62!, 30);
    out = out.slice(0, us + 1) + body + base62(crc32(body), 6);
  }
  return out;
}

interface Planted {
  text: string;
  secret?: string;
  rule?: string;
}

/** A positive for `rule`: one of its examples with the secret re-drawn (found via the matcher on the example). */
function positive(rule: RuleSpec, m: Matcher, g: Rng): Planted | undefined {
  const ex = rule.examples[Math.floor(g() * rule.examples.length)]!;
  const found = m.scanText(ex.text, 'ex').matches.find((x) => x.ruleId === rule.id);
  if (!found) return undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const secret = redraw(found.secret, rule, g);
    if (secret === found.secret && secret.length > 12) continue;
    return { text: ex.text.slice(0, found.start) + secret + ex.text.slice(found.end), secret, rule: rule.id };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Negatives: the near-misses from the catalogue issue, with random values so they are not memorised.
const NEGATIVE_TEMPLATES = [
  'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"',
  'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  'API_KEY=<your-key>', 'api_key: "<your-api-key>"', 'password: "${DB_PASSWORD}"', 'token: "{{ .Values.api.token }}"',
  'password = "changeme"', 'SECRET_KEY=xxxxxxxxxxxxxxxxxxxxxxxx', 'password: "********"', 'API_TOKEN=****',
  'const token = process.env.GITHUB_TOKEN;', 'api_key = os.environ["OPENAI_API_KEY"]', 'password = os.getenv("DB_PASSWORD")',
  'DB_PASSWORD=', 'password: ""', 'SECRET_ID=@{uuid}', 'request_id: "@{uuid}"', 'commit: @{hex:40}', 'GIT_SHA=@{hex:40}',
  '      "integrity": "sha512-@{b64:86}==",', 'github.com/hashicorp/go-version v1.6.0 h1:@{b64:43}=',
  '  hashes = ["h1:@{b64:43}=", "zh:@{hex:64}"]', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI@{b64:43} deploy@ci',
  '-----BEGIN CERTIFICATE-----\nMIID@{b64:60}\n-----END CERTIFICATE-----', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq@{b64:60}\n-----END PUBLIC KEY-----',
  'STRIPE_PUBLISHABLE_KEY=pk_live_@{b62:24}', 'mapboxgl.accessToken = "pk.eyJ1IjoiYWNtZSIsImEiOiJjbHEyeDl2MGsifQ.@{b64u:22}";',
  'SUPABASE_ANON_KEY=sb_publishable_@{b64u:31}', 'RECAPTCHA_SITE_KEY=6L@{b64u:38}',
  'db_password: ENC[AES256_GCM,data:@{b64:24},iv:@{b64:43}=,tag:@{b64:22}==,type:str]',
  '<img src="data:image/png;base64,iVBORw0KGgo@{b64:120}==">', 'background: url(data:image/svg+xml;base64,PHN2Zy@{b64:80});',
  'const cacheKey = "@{hex:32}";', 'const PASSWORD_MIN_LENGTH = 12;', 'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
  'const secretName = "prod/db/credentials";', 'passwordField.setAttribute("type", "password");',
  'ETag: "@{hex:32}"', 'sha256sum: @{hex:64}', 'checksum = "@{hex:64}"', 'id: @{uuid}',
  'https://user:password@example.com/path', 'postgres://postgres:postgres@localhost:5432/dev',
  'redis://localhost:6379/0', 'token_endpoint: https://oauth2.googleapis.com/token', 'AUTH_TOKEN_TTL=3600',
];

// ---------------------------------------------------------------------------------------------------------------
// Realistic surroundings.
const FILLER: Record<string, string[]> = {
  ts: ["import { readFile } from 'node:fs/promises';", 'export async function load(path: string): Promise<Config> {', '  const raw = await readFile(path, "utf8");', '  return JSON.parse(raw) as Config;', '}', 'const retries = Number(process.env.RETRIES ?? 3);', 'if (!res.ok) throw new Error(`HTTP ${res.status}`);', 'export const tokenCache = new Map<string, string>();'],
  py: ['import os', 'from dataclasses import dataclass', '@dataclass', 'class Settings:', '    debug: bool = False', '    timeout: int = 30', 'def get_client(url: str) -> "Client":', '    return Client(url, timeout=settings.timeout)', 'logger.info("connected to %s", host)'],
  go: ['package config', 'import "os"', 'func Load() (*Config, error) {', '\tcfg := &Config{Timeout: 30}', '\treturn cfg, nil', '}', 'var ErrNoToken = errors.New("no token")'],
  yaml: ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: api', 'spec:', '  replicas: 3', '  template:', '    spec:', '      containers:', '        - name: api', '          image: ghcr.io/acme/api:1.4.2', '          env:', '            - name: LOG_LEVEL', '              value: info'],
  env: ['NODE_ENV=production', 'PORT=8080', 'LOG_LEVEL=info', 'FEATURE_FLAGS=search,checkout', 'PUBLIC_URL=https://app.acme.io'],
  json: ['{', '  "name": "acme-api",', '  "version": "2.3.1",', '  "private": true,', '  "scripts": { "build": "tsc -p ." },', '  "dependencies": { "express": "^4.19.2" }', '}'],
  dockerfile: ['FROM node:20-alpine', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm ci --omit=dev', 'COPY . .', 'EXPOSE 8080', 'CMD ["node", "dist/server.js"]'],
};
const EXT: Record<string, string> = { ts: 'src/config.ts', py: 'app/settings.py', go: 'internal/config/config.go', yaml: 'deploy/values.yaml', env: '.env', json: 'config/app.json', dockerfile: 'Dockerfile' };

function lockfile(g: Rng): string {
  const out = ['{', '  "lockfileVersion": 3,', '  "packages": {'];
  for (let i = 0; i < 40; i++) {
    const name = randomOf(g, ALPHABETS.lower!, 8);
    out.push(`    "node_modules/${name}": {`, `      "version": "1.${i}.0",`, `      "resolved": "https://registry.npmjs.org/${name}/-/${name}-1.${i}.0.tgz",`, `      "integrity": "sha512-${randomOf(g, ALPHABETS.b64!, 86)}=="`, '    },');
  }
  out.push('  }', '}');
  return out.join('\n');
}

function minified(g: Rng): string {
  let s = '!function(){"use strict";var e={};';
  for (let i = 0; i < 300; i++)
    s += `e["${randomOf(g, ALPHABETS.hex!, 20)}"]=function(t,n,r){r.d(n,{a:()=>o});const o="${randomOf(g, ALPHABETS.hex!, 8)}",c={chunk:"${randomOf(g, ALPHABETS.b64u!, 16)}",hash:"${randomOf(g, ALPHABETS.hex!, 32)}",key:"cacheKey_${i}"};};`;
  return s + '}();';
}

function pathFor(rule: RuleSpec | undefined, kind: string): string {
  const p = rule?.paths[0];
  if (p) return p.replace(/^\*\*\//, 'repo/').replace(/\*/g, 'x');
  return `repo/${EXT[kind]}`;
}

// ---------------------------------------------------------------------------------------------------------------
interface Unit {
  path: string;
  text: string;
  spans: Array<{ start: number; end: number; rule: string }>;
}

function buildUnits(): Unit[] {
  const units: Unit[] = [];
  const kinds = Object.keys(FILLER);
  const single = new Map<string, Matcher>();
  for (const rule of rules) {
    const m = new Matcher([rule], { allow });
    single.set(rule.id, m);
    for (let n = 0; n < PER_RULE; n++) {
      const kind = kinds[Math.floor(r() * kinds.length)]!;
      const p = positive(rule, m, r);
      if (!p) continue;
      const filler = FILLER[kind]!;
      const before = Array.from({ length: 3 + Math.floor(r() * 6) }, () => filler[Math.floor(r() * filler.length)]!).join('\n');
      const after = Array.from({ length: 3 + Math.floor(r() * 6) }, () => filler[Math.floor(r() * filler.length)]!).join('\n');
      const neg = expand(NEGATIVE_TEMPLATES[Math.floor(r() * NEGATIVE_TEMPLATES.length)]!, r);
      const text = `${before}\n${neg}\n${p.text}\n${after}\n`;
      const at = text.indexOf(p.text) + p.text.indexOf(p.secret!);
      units.push({ path: pathFor(rule, kind), text, spans: [{ start: at, end: at + p.secret!.length, rule: rule.id }] });
    }
  }
  // Negative-only files: every near-miss template several times, lockfiles, minified bundles, rules' own negatives.
  for (let n = 0; n < 4; n++) {
    for (const kind of kinds) {
      const lines = NEGATIVE_TEMPLATES.map((t) => expand(t, r));
      const filler = FILLER[kind]!;
      units.push({ path: `repo/neg${n}/${EXT[kind]}`, text: lines.map((l, i) => `${filler[i % filler.length]}\n${l}`).join('\n'), spans: [] });
    }
    units.push({ path: `repo/neg${n}/package-lock.json`, text: lockfile(r), spans: [] });
    units.push({ path: `repo/neg${n}/dist/app.${randomOf(r, ALPHABETS.hex!, 8)}.js`, text: minified(r), spans: [] });
  }
  return units;
}

interface Tally {
  planted: number;
  found: number;
  findings: number;
  falsePositives: number;
}

function main(): void {
  const t0 = performance.now();
  const units = buildUnits();
  const matcher = new Matcher(rules, { allow });
  const byFamily = new Map<string, Tally>();
  const tally = (f: string): Tally => {
    let t = byFamily.get(f);
    if (!t) byFamily.set(f, (t = { planted: 0, found: 0, findings: 0, falsePositives: 0 }));
    return t;
  };
  const misses: string[] = [];
  const fps: string[] = [];
  let bytes = 0;
  for (const u of units) {
    bytes += u.text.length;
    const found = matcher.scanText(u.text, u.path, u.path).matches;
    for (const s of u.spans) {
      const t = tally(family(s.rule));
      t.planted++;
      if (found.some((m) => m.start < s.end && s.start < m.end)) t.found++;
      else misses.push(`${s.rule}: ${u.text.slice(Math.max(0, s.start - 40), s.end + 10).replace(/\n/g, '⏎')}`);
    }
    for (const m of found) {
      const t = tally(family(m.ruleId));
      t.findings++;
      if (!u.spans.some((s) => m.start < s.end && s.start < m.end)) {
        t.falsePositives++;
        fps.push(`${m.ruleId} in ${u.path}: ${m.match.slice(0, 100)}`);
      }
    }
  }
  const rows = [...byFamily.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const pct = (a: number, b: number): string => (b === 0 ? '—' : (a / b).toFixed(3));
  const total = rows.reduce((acc, [, t]) => ({ planted: acc.planted + t.planted, found: acc.found + t.found, findings: acc.findings + t.findings, falsePositives: acc.falsePositives + t.falsePositives }), { planted: 0, found: 0, findings: 0, falsePositives: 0 });
  console.log(`Accuracy on ${units.length} synthetic files (${(bytes / 1024).toFixed(0)} KiB), ${rules.length} rules, seed ${SEED}, ${PER_RULE} positives per rule\n`);
  console.log('| family | planted | found | recall | findings | false positives | precision |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [f, t] of rows) console.log(`| ${f} | ${t.planted} | ${t.found} | ${pct(t.found, t.planted)} | ${t.findings} | ${t.falsePositives} | ${pct(t.findings - t.falsePositives, t.findings)} |`);
  console.log(`| **all** | ${total.planted} | ${total.found} | **${pct(total.found, total.planted)}** | ${total.findings} | ${total.falsePositives} | **${pct(total.findings - total.falsePositives, total.findings)}** |`);
  if (process.argv.includes('--verbose') || misses.length + fps.length <= 40) {
    if (misses.length) console.log('\nMissed:\n' + misses.map((s) => '- ' + s).join('\n'));
    if (fps.length) console.log('\nFalse positives:\n' + fps.map((s) => '- ' + s).join('\n'));
  } else console.log(`\n${misses.length} missed, ${fps.length} false positives (--verbose lists them)`);
  console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

main();
