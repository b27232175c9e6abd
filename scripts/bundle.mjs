// After tsc: bundle the CLI into one CommonJS file, dist/leakhound.cjs (the package's `bin`).
// Why: the pre-commit hook pays Node start-up on every commit. Loading ~80 ES modules cost ~100 ms (resolution,
// one compile per file, and every `node:` built-in any module imports is loaded up front in ESM); one CommonJS file
// compiles once, and its lazily-initialised modules `require` built-ins only when they first run.
// Not bundled: yargs (the hook's fast path never loads it, see src/cli/fast-args.ts; left out, the bundle is a third
// smaller and compiles faster), re2-wasm (finds its .wasm next to itself) and yaml (loaded on demand). Worker
// threads run dist/src/workers/worker.js (the tsc output); the bundle finds it and itself through __filename.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const out = new URL('../dist/leakhound.cjs', import.meta.url).pathname;
await build({
  entryPoints: [new URL('../dist/src/cli/main.js', import.meta.url).pathname],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['re2-wasm', 'yaml', 'yargs', 'yargs/*'],
  // ES modules use import.meta.url to find files next to them; in the bundle that is the bundle itself.
  define: { 'import.meta.url': '__leakhound_bundle_url' },
  banner: { js: "const __leakhound_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(out, 0o755);
