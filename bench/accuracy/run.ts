// Accuracy benchmark: plants format-true synthetic credentials and near-miss negatives in realistic files, runs the
// full matcher with the built-in catalogue, and prints recall and precision by rule family as a markdown table.
// Run: npx tsx bench/accuracy/run.ts [--seed N] [--per-rule N]. Deterministic for a given seed. Nothing here is real.
// May import: rules, matcher, ./synth.
import { Matcher } from '../../src/matcher/index.js';
import { loadBuiltin } from '../../src/rules/load.js';
import type { RuleSpec } from '../../src/types/index.js';
import { secretGen } from './gen.js';
import { ALPHABETS, type Rng, expand, randomOf, rng } from './synth.js';

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
// Positives: every secret is drawn fresh from the structure of the rule's secret capture group (gen.ts): random
// choices within its character classes, repeat counts within its bounds, its literals kept, checksums computed,
// entropy floor met. It is then planted (a) into the rule's own example contexts, replacing the example's secret,
// and (b) when the example shows the name the value is assigned to (or the secret names itself, like ghp_), into
// realistic files in several languages and config formats under that name.

interface Planted {
  text: string;
  secret: string;
  rule: string;
  path: string;
  /** Where the secret was planted: `example` or a file kind. */
  how: string;
  /** Offset of the secret in `text`. */
  at: number;
}

interface ExampleHit {
  text: string;
  start: number;
  end: number;
  secret: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A file kind: its path and how a name = value assignment is written in it. */
// Names that are not identifiers (`client-key-data`, `app.jwt.secret`, `DD-API-KEY`) are written the way code
// writes such keys (a map literal), and not at all where the format cannot hold them (.env, shell, Dockerfile ENV).
const RENDER: Record<string, { path: string; line: (n: string, s: string) => string | undefined }> = {
  ts: { path: 'src/config.ts', line: (n, s) => (IDENT.test(n) ? `export const ${n} = "${s}";` : `const headers = { "${n}": "${s}" };`) },
  py: { path: 'app/settings.py', line: (n, s) => (IDENT.test(n) ? `${n} = "${s}"` : `headers = {"${n}": "${s}"}`) },
  go: { path: 'internal/config/config.go', line: (n, s) => (IDENT.test(n) ? `var ${n} = "${s}"` : `var headers = map[string]string{"${n}": "${s}"}`) },
  yaml: { path: 'deploy/values.yaml', line: (n, s) => `${n}: "${s}"` },
  json: { path: 'config/app.json', line: (n, s) => `  "${n}": "${s}",` },
  env: { path: '.env', line: (n, s) => (IDENT.test(n) ? `${n}=${s}` : undefined) },
  dockerfile: { path: 'Dockerfile', line: (n, s) => (IDENT.test(n) ? `ENV ${n}=${s}` : undefined) },
  sh: { path: 'scripts/deploy.sh', line: (n, s) => (IDENT.test(n) ? `export ${n}="${s}"` : undefined) },
  toml: { path: 'config/app.toml', line: (n, s) => (IDENT.test(n) ? `${n} = "${s}"` : `"${n}" = "${s}"`) },
  properties: { path: 'src/main/resources/application.properties', line: (n, s) => `${n}=${s}` },
};
const RENDER_KINDS = Object.keys(RENDER);

/** The name the example assigns its secret to (`aws_secret_access_key = ...`), if the line is a plain assignment. */
function assignedName(ex: ExampleHit, rule: RuleSpec): string | undefined {
  const lineStart = ex.text.lastIndexOf('\n', ex.start - 1) + 1;
  let lineEnd = ex.text.indexOf('\n', ex.end);
  if (lineEnd < 0) lineEnd = ex.text.length;
  const before = ex.text.slice(lineStart, ex.start);
  const after = ex.text.slice(ex.end, lineEnd);
  if (!/^["'`]?\s*[,;)}\]]*\s*$/.test(after)) return undefined;
  const m = /(?:^|[\s{,("'])(?:export\s+|ENV\s+|ARG\s+|\$env:)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|=|:)\s*["'`]?$/.exec(before);
  if (m) return m[1]!;
  // A bare secret that names itself (ghp_..., AKIA...): give it the name a user would.
  if (before.trim() === '' && rule.keywords.some((k) => ex.secret.toLowerCase().includes(k.toLowerCase())))
    return rule.id.replace(/[.-]/g, '_').toUpperCase();
  return undefined;
}

/** A concrete path that a rule's path glob accepts (`**\/.kube/config` -> `repo/.kube/config`). */
function pathFromGlob(glob: string): string {
  return glob.replace(/^\*\*\//, 'repo/').replace(/\/\*\*$/, '/config').replace(/\*\*\//g, 'a/').replace(/\*/g, 'prod');
}

const genFailures: string[] = [];
const modes = new Map<string, number>();

function positives(rule: RuleSpec, m: Matcher, g: Rng): Planted[] {
  const hits: ExampleHit[] = [];
  for (const ex of rule.examples) {
    const f = m.scanText(ex.text, 'ex').matches.find((x) => x.ruleId === rule.id);
    if (f) hits.push({ text: ex.text, start: f.start, end: f.end, secret: f.secret });
  }
  if (hits.length === 0) {
    genFailures.push(`${rule.id}: none of its examples is detected, so there is no context to plant into`);
    return [];
  }
  const gen = secretGen(rule, allow, hits[0]!.secret);
  modes.set(gen.mode, (modes.get(gen.mode) ?? 0) + 1);
  const out: Planted[] = [];
  const named = hits.map((h) => assignedName(h, rule));
  for (let n = 0; n < PER_RULE; n++) {
    const ex = hits[n % hits.length]!;
    const secret = gen.next(g, ex.secret);
    if (!secret) {
      genFailures.push(`${rule.id}: no draw met the group's format, entropy ${rule.entropy ?? 0} and checksums in 200 tries`);
      break;
    }
    const name = named[n % hits.length];
    if (n % 2 === 1 && name && rule.paths.length === 0) {
      let k = Math.floor(g() * RENDER_KINDS.length);
      while (RENDER[RENDER_KINDS[k % RENDER_KINDS.length]!]!.line(name, secret) === undefined) k++;
      const kind = RENDER_KINDS[k % RENDER_KINDS.length]!;
      const line = RENDER[kind]!.line(name, secret)!;
      out.push({ text: line, secret, rule: rule.id, path: `repo/${RENDER[kind]!.path}`, how: kind, at: line.indexOf(secret) });
    } else {
      const path = rule.paths.length ? pathFromGlob(rule.paths[n % rule.paths.length]!) : `repo/${RENDER[RENDER_KINDS[Math.floor(g() * RENDER_KINDS.length)]!]!.path}`;
      out.push({ text: ex.text.slice(0, ex.start) + secret + ex.text.slice(ex.end), secret, rule: rule.id, path, how: 'example', at: ex.start });
    }
  }
  return out;
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
  sh: ['#!/usr/bin/env bash', 'set -euo pipefail', 'cd "$(dirname "$0")/.."', 'echo "deploying $VERSION"', 'kubectl apply -f deploy/', 'npm run build'],
  toml: ['[server]', 'host = "0.0.0.0"', 'port = 8080', '[database]', 'pool_size = 10', 'name = "app"'],
  properties: ['server.port=8080', 'spring.application.name=api', 'spring.jpa.hibernate.ddl-auto=validate', 'logging.level.root=INFO', 'management.endpoints.web.exposure.include=health'],
};
const EXT: Record<string, string> = Object.fromEntries(Object.entries(RENDER).map(([k, v]) => [k, v.path]));
const kindOfPath = (path: string): string => Object.keys(RENDER).find((k) => path.endsWith(RENDER[k]!.path)) ?? 'env';

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

// ---------------------------------------------------------------------------------------------------------------
interface Unit {
  path: string;
  text: string;
  spans: Array<{ start: number; end: number; rule: string; how: string }>;
}

function buildUnits(): Unit[] {
  const units: Unit[] = [];
  const kinds = Object.keys(FILLER);
  for (const rule of rules) {
    const m = new Matcher([rule], { allow });
    for (const p of positives(rule, m, r)) {
      // Path-scoped rules (Dockerfile, kubeconfig, settings.xml...) get their file as the example shows it; others get
      // the planted lines amid ordinary content of the file's kind, with one near-miss negative beside them.
      if (rule.paths.length) {
        const at = p.at;
        units.push({ path: p.path, text: p.text + '\n', spans: [{ start: at, end: at + p.secret.length, rule: rule.id, how: p.how }] });
        continue;
      }
      const filler = FILLER[kindOfPath(p.path)]!;
      const before = Array.from({ length: 3 + Math.floor(r() * 6) }, () => filler[Math.floor(r() * filler.length)]!).join('\n');
      const after = Array.from({ length: 3 + Math.floor(r() * 6) }, () => filler[Math.floor(r() * filler.length)]!).join('\n');
      const neg = expand(NEGATIVE_TEMPLATES[Math.floor(r() * NEGATIVE_TEMPLATES.length)]!, r);
      const head = `${before}\n${neg}\n`;
      const text = `${head}${p.text}\n${after}\n`;
      const at = head.length + p.at;
      units.push({ path: p.path, text, spans: [{ start: at, end: at + p.secret.length, rule: rule.id, how: p.how }] });
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
  /** Found by the planted rule itself (not only by an overlapping rule, e.g. a generic one). */
  own: number;
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
    if (!t) byFamily.set(f, (t = { planted: 0, found: 0, own: 0, findings: 0, falsePositives: 0 }));
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
      const over = found.filter((m) => m.start < s.end && s.start < m.end);
      if (over.length) t.found++;
      if (over.some((m) => m.ruleId === s.rule)) t.own++;
      if (!over.length) {
        const ls = u.text.lastIndexOf('\n', s.start - 1) + 1;
        const le = u.text.indexOf('\n', s.end);
        misses.push(`${s.rule} [${s.how}] in ${u.path}: ${u.text.slice(ls, le < 0 ? undefined : le).replace(/\n/g, '⏎').slice(0, 240)}`);
      }
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
  const total = rows.reduce((acc, [, t]) => ({ planted: acc.planted + t.planted, found: acc.found + t.found, own: acc.own + t.own, findings: acc.findings + t.findings, falsePositives: acc.falsePositives + t.falsePositives }), { planted: 0, found: 0, own: 0, findings: 0, falsePositives: 0 });
  console.log(`Accuracy on ${units.length} synthetic files (${(bytes / 1024).toFixed(0)} KiB), ${rules.length} rules, seed ${SEED}, ${PER_RULE} positives per rule\n`);
  console.log(`Secrets drawn per rule by: ${[...modes].map(([k, v]) => `${k} ${v}`).join(', ')} (ast: from the secret group; decoded: base64 text re-encoded; body: key file body redrawn)\n`);
  console.log('| family | planted | found | recall | by own rule | findings | false positives | precision |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [f, t] of rows) console.log(`| ${f} | ${t.planted} | ${t.found} | ${pct(t.found, t.planted)} | ${t.own} | ${t.findings} | ${t.falsePositives} | ${pct(t.findings - t.falsePositives, t.findings)} |`);
  console.log(`| **all** | ${total.planted} | ${total.found} | **${pct(total.found, total.planted)}** | ${total.own} | ${total.findings} | ${total.falsePositives} | **${pct(total.findings - total.falsePositives, total.findings)}** |`);
  if (genFailures.length) console.log('\nNot planted:\n' + genFailures.map((s) => '- ' + s).join('\n'));
  if (process.argv.includes('--verbose') || misses.length + fps.length <= 40) {
    if (misses.length) console.log('\nMissed:\n' + misses.map((s) => '- ' + s).join('\n'));
    if (fps.length) console.log('\nFalse positives:\n' + fps.map((s) => '- ' + s).join('\n'));
  } else console.log(`\n${misses.length} missed, ${fps.length} false positives (--verbose lists them)`);
  console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

main();
