// Builds a matcher corpus from a real repository's history: every unique blob, one file each, named after the
// first path it appeared under (so path-scoped rules see a realistic name). Binary blobs are kept: the matcher
// skips them as an audit would. Usage: npx tsx bench/matcher/real-corpus.ts REPO [OUT]
// Example: a clone of the public expressjs/express (11k commits, ~212 MB of unique blobs).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listRefs, openRepository, walkHistory } from '../../src/sources/git/index.js';

const repoPath = process.argv[2];
if (!repoPath) throw new Error('usage: real-corpus.ts REPO [OUT]');
const out = process.argv[3] ?? `bench/.corpus/real-${basename(repoPath, '.git')}`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const { repo, store } = openRepository(repoPath);
const seen = new Set<string>();
let bytes = 0;
for (const ev of walkHistory(store, { tips: listRefs(repo).map((r) => r.oid), shallow: repo.shallow })) {
  if (ev.kind !== 'commit') continue;
  for (const d of ev.diffs)
    for (const ch of d.changes) {
      if (!ch.newOid || seen.has(ch.newOid) || ch.newMode === '160000' || ch.newMode === '120000') continue;
      seen.add(ch.newOid);
      const data = store.read(ch.newOid).data;
      bytes += data.length;
      writeFileSync(join(out, `${ch.newOid.slice(0, 12)}--${ch.path.replace(/\//g, '__')}`), data);
    }
}
console.log(`${seen.size} blobs, ${(bytes / 1e6).toFixed(1)} MB in ${out}`);
