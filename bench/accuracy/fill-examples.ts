// Fills `@{...}` markers (see synth.ts) in rule files with seeded random values, in place, so rule authors can
// write examples as templates: `npx tsx bench/accuracy/fill-examples.ts patterns/foo.yaml`. Values are synthetic.
// May import: ./synth, node:fs.
import { readFileSync, writeFileSync } from 'node:fs';
import { expand, rng, seedOf } from './synth.js';

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  if (!text.includes('@{')) continue;
  const labels = new Map<string, string>();
  const r = rng(seedOf(file + text.length));
  // Only inside YAML quoted example strings do markers appear; the output is quoted the same way, so escape for the
  // quoting style: single-quoted YAML doubles ', double-quoted escapes \ and ".
  const out = text.split('\n').map((line) => {
    if (!line.includes('@{')) return line;
    const dq = /^\s*(?:-\s*)?(?:text:\s*|secret:\s*)?"/.test(line);
    return line.replace(/@\{[^}]*\}/g, (m) => {
      const v = expand(m, r, labels);
      return dq ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v.replace(/'/g, "''");
    });
  }).join('\n');
  writeFileSync(file, out);
  console.log(`filled ${file}`);
}
