// Builds a generated repository for the git object layer benchmarks with `git fast-import` (thousands of commits
// in seconds), then repacks it with deep delta chains like a real, gc'd repository.
// Usage: npx tsx bench/git/make-repo.ts [--commits N] [--files N] [--touch N] [--out DIR]
// Default output: bench/.work/gen-<commits>c (gitignored). Deterministic (seeded PRNG, fixed dates).
import { execFileSync } from 'node:child_process';
import { numArg, outDir, startFastImport, xorshift } from '../lib/fast-import.js';

const commits = numArg('commits', 5000);
const files = numArg('files', 600);
const touch = numArg('touch', 4);
const out = outDir(`gen-${commits}c`);
const rnd = xorshift(0x9e3779b9);
const words = 'alpha beta gamma delta token key value config server client request response error handler user password host port url path'.split(' ');
function line(): string {
  const n = 4 + Math.floor(rnd() * 10);
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(words[Math.floor(rnd() * words.length)] ?? 'x');
  return `${w.join(' ')} = ${Math.floor(rnd() * 1e9).toString(36)}`;
}

async function main(): Promise<void> {
  const fi = startFastImport(out);
  const contents: string[][] = [];
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    paths.push(`src/mod${f % 23}/sub${f % 7}/file${f}.txt`);
    contents.push(Array.from({ length: 60 + Math.floor(rnd() * 200) }, line));
  }
  let bytes = 0;
  for (let c = 1; c <= commits; c++) {
    const branch = c % 97 === 0 ? `refs/heads/topic${c}` : 'refs/heads/main';
    const msg = `commit ${c}\n\nchange ${Math.floor(rnd() * 1e6)}\n`;
    let chunk = `commit ${branch}\nmark :${c}\ncommitter Gen <gen@example.com> ${1600000000 + c * 600} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`;
    if (c > 1) chunk += `from :${c % 97 === 0 ? c - 1 : lastMain}\n`;
    const n = c === 1 ? files : touch;
    for (let k = 0; k < n; k++) {
      const f = c === 1 ? k : Math.floor(rnd() * files);
      const lines = contents[f] ?? [];
      if (c > 1) {
        for (let e = 0; e < 3; e++) lines[Math.floor(rnd() * lines.length)] = line();
        if (rnd() < 0.5) lines.push(line());
      }
      const data = lines.join('\n') + '\n';
      bytes += Buffer.byteLength(data);
      chunk += `M 100644 inline ${paths[f]}\ndata ${Buffer.byteLength(data)}\n${data}\n`;
    }
    if (c % 97 !== 0) lastMain = c;
    await fi.write(chunk + '\n');
  }
  await fi.finish({ repack: true });
  execFileSync('git', ['checkout', '-q', 'main'], { cwd: out, env: fi.env });
  console.log(`${out}: ${commits} commits, ${(bytes / 1e6).toFixed(0)} MB of blob content written`);
}
let lastMain = 1;
main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
