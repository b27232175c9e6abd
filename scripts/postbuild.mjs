// After tsc: mark the CLI executable (tsc does not keep modes), then write the built-in rules cache
// (dist/rules.json: parsed rules and their safety verdicts, so start-up does not pay for them).
import { chmodSync, existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
await import('./build-rules-cache.mjs');
await import('./bundle.mjs');
