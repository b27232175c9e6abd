// Builds a generated repository for the audit benchmark with `git fast-import`, deterministically (seeded PRNG,
// fixed dates and identities): source-like files (JS, Python, Go, YAML, Markdown) edited over many commits, topic
// branches merged back, a few tags, and a handful of planted FAKE secrets (format-true synthetic tokens, the ones the
// tests use), some removed again later so the audit has history-only findings to attribute.
// Then repacks it with deep delta chains like a real gc'd repository.
// Usage: npx tsx bench/audit/make-repo.ts [--commits N] [--files N] [--touch N] [--lines N] [--out DIR] [--no-repack]
//   --no-repack: keep fast-import's own pack (deltas against the previous version only); saves minutes on huge repos.
//   --lines: average lines per file (file size); --touch: files edited per commit.
// Default: 30000 commits, 1500 files, 4 files per commit, ~90 lines -> a few hundred MB of unique blob content.
// Output: bench/.work/audit-<commits>c (gitignored). Not for committing.
import { execFileSync } from 'node:child_process';
import { numArg, outDir, startFastImport, xorshift } from '../lib/fast-import.js';

const commits = numArg('commits', 30_000);
const files = numArg('files', 1500);
const touch = numArg('touch', 4);
const avgLines = numArg('lines', 90);
const out = outDir(`audit-${commits}c`);
const rnd = xorshift(0x2545f491);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
const ident = (): string => pick(['user', 'order', 'config', 'client', 'request', 'cache', 'token', 'session', 'item', 'buffer', 'handler', 'result']) + pick(['Id', 'Name', 'Count', 'Map', 'List', 'Key', 'Value', 'Store', '']);
const num = (): string => String(Math.floor(rnd() * 100_000));

/** One line of source-like text in the style of the file's language. */
const LINES: Record<string, Array<() => string>> = {
  js: [
    () => `  const ${ident()} = await ${ident()}.get(${num()});`,
    () => `  if (!${ident()}) throw new Error('missing ${ident()}');`,
    () => `export function ${ident()}(${ident()}, ${ident()}) {`,
    () => `  return ${ident()}.map((x) => x.${ident()} + ${num()});`,
    () => `// TODO(${pick(['ana', 'bo', 'chen', 'dev'])}): handle ${ident()} when the ${ident()} is empty`,
    () => `}`,
    () => `import { ${ident()} } from './${ident()}.js';`,
  ],
  py: [
    () => `    ${ident()} = self.${ident()}.get("${ident()}", ${num()})`,
    () => `def ${ident()}(self, ${ident()}, ${ident()}=None):`,
    () => `    if ${ident()} is None:`,
    () => `        raise ValueError("bad ${ident()}: %s" % ${ident()})`,
    () => `    return [${ident()} for ${ident()} in ${ident()} if ${ident()}]`,
    () => `# ${ident()} is cached for ${num()} seconds`,
  ],
  go: [
    () => `\t${ident()}, err := ${ident()}.Get(ctx, ${num()})`,
    () => `\tif err != nil {\n\t\treturn nil, fmt.Errorf("${ident()}: %w", err)\n\t}`,
    () => `func (s *${ident()}) ${ident()}(ctx context.Context) error {`,
    () => `\tdefer ${ident()}.Close()`,
    () => `}`,
  ],
  yaml: [() => `${ident()}:`, () => `  ${ident()}: ${num()}`, () => `  ${ident()}: "${ident()}-${num()}"`, () => `  - name: ${ident()}`],
  md: [() => `The ${ident()} keeps the ${ident()} for ${num()} ms; see ${ident()}.`, () => `## ${ident()}`, () => `- ${ident()} and ${ident()}`, () => ``],
};
const EXT = ['js', 'js', 'py', 'go', 'yaml', 'md'] as const;
const line = (ext: string): string => pick(LINES[ext] ?? LINES['md']!)();

/** Fake, format-true secrets (the synthetic tokens of test/helpers/rules.ts), planted at fixed commits. */
const PLANTED = [
  { at: 0.1, removeAt: 0.3, path: 'deploy/.env', text: 'GITHUB_TOKEN=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\n' },
  { at: 0.25, removeAt: null, path: 'config/aws.yaml', text: 'aws:\n  access_key_id: AKIAJF64WQMMCOYZLZLP\n  secret_access_key: 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\n' },
  { at: 0.5, removeAt: 0.55, path: 'src/notify/slack.js', text: "export const SLACK = 'xoxb-39386791947-9644185673829-RxPU2Ymi5T53pdewyl2hzD66';\n" },
  { at: 0.8, removeAt: null, path: 'billing/keys.py', text: 'STRIPE_KEY = "sk_live_oBTFYn76SupeMxDDh803P43F"\n' },
];

async function main(): Promise<void> {
  const fi = startFastImport(out);
  const contents: string[][] = [];
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const ext = EXT[f % EXT.length] ?? 'md';
    paths.push(`${pick(['src', 'lib', 'pkg', 'docs', 'services'])}/${ident().toLowerCase()}${f % 31}/${ident()}${f}.${ext}`);
    contents.push(Array.from({ length: Math.max(5, Math.floor(avgLines * (0.3 + rnd() * 1.4))) }, () => line(ext)));
  }
  let bytes = 0;
  let lastMain = 0;
  let topic: { name: string; mark: number; left: number } | null = null;
  const plantAt = new Map<number, string>();
  for (const p of PLANTED) {
    plantAt.set(Math.max(2, Math.floor(p.at * commits)), `M 100644 inline ${p.path}\ndata ${Buffer.byteLength(p.text)}\n${p.text}\n`);
    if (p.removeAt !== null) plantAt.set(Math.floor(p.removeAt * commits), `D ${p.path}\n`);
  }
  const fileEdit = (f: number, first: boolean): string => {
    const lines = contents[f] ?? [];
    const ext = (paths[f] ?? '').split('.').pop() ?? 'md';
    if (!first) {
      for (let e = 0; e < 2; e++) lines[Math.floor(rnd() * lines.length)] = line(ext);
      if (rnd() < 0.6) lines.splice(Math.floor(rnd() * lines.length), 0, line(ext));
    }
    const data = lines.join('\n') + '\n';
    bytes += Buffer.byteLength(data);
    return `M 100644 inline ${paths[f]}\ndata ${Buffer.byteLength(data)}\n${data}\n`;
  };
  for (let c = 1; c <= commits; c++) {
    // Every ~200 commits a topic branch of 3-8 commits forks off main and is merged back with --no-ff.
    if (topic === null && c % 200 === 0) topic = { name: `refs/heads/topic/t${c}`, mark: 0, left: 3 + Math.floor(rnd() * 6) };
    const onTopic = topic !== null && topic.left > 0;
    const branch = onTopic && topic ? topic.name : 'refs/heads/main';
    const author = pick(['Ana Diaz <ana@example.com>', 'Bo Chen <bo@example.com>', 'Dev Rao <dev@example.com>']);
    const msg = `${pick(['fix', 'feat', 'refactor', 'docs', 'test'])}: ${ident()} ${ident()} (${c})\n`;
    let chunk = `commit ${branch}\nmark :${c}\nauthor ${author} ${1600000000 + c * 600} +0000\ncommitter ${author} ${1600000000 + c * 600} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`;
    if (c > 1) {
      if (onTopic && topic) chunk += `from :${topic.mark || lastMain}\n`;
      else chunk += `from :${lastMain}\n`;
      if (!onTopic && topic && topic.left === 0) {
        chunk += `merge :${topic.mark}\n`;
        topic = null;
      }
    }
    const n = c === 1 ? files : touch;
    for (let k = 0; k < n; k++) chunk += fileEdit(c === 1 ? k : Math.floor(rnd() * files), c === 1);
    chunk += plantAt.get(c) ?? '';
    if (onTopic && topic) {
      topic.mark = c;
      topic.left--;
    } else lastMain = c;
    await fi.write(chunk + '\n');
    if (c % 5000 === 0) {
      const tag = `tag v${c / 5000}.0\nfrom :${lastMain}\ntagger Rel <rel@example.com> ${1600000000 + c * 600} +0000\ndata 8\nrelease\n\n`;
      await fi.write(tag);
    }
  }
  await fi.finish({ repack: !process.argv.includes('--no-repack') });
  execFileSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: out, env: fi.env });
  console.log(`${out}: ${commits} commits, ${(bytes / 1e6).toFixed(0)} MB of blob content written`);
}
main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
