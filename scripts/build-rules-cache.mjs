// Writes dist/rules.json: the built-in rules parsed, with every pattern's safety verdict (see src/rules/cache.ts).
// Run after tsc (scripts/postbuild.mjs does). A failure leaves no cache: the CLI then loads rules from patterns/.
import { existsSync } from 'node:fs';
const load = new URL('../dist/src/rules/load.js', import.meta.url);
const cache = new URL('../dist/src/rules/cache.js', import.meta.url);
if (existsSync(load) && existsSync(cache)) {
  const { loadBuiltin, BUILTIN_PATTERNS_DIR, PACKAGE_ROOT } = await import(load.href);
  const { writeBuiltinCache } = await import(cache.href);
  const t0 = performance.now();
  const out = writeBuiltinCache(PACKAGE_ROOT, BUILTIN_PATTERNS_DIR, loadBuiltin(BUILTIN_PATTERNS_DIR, false));
  if (out && process.env.LEAKHOUND_BUILD_VERBOSE) console.log(`rules cache: ${out} (${Math.round(performance.now() - t0)} ms)`);
}
