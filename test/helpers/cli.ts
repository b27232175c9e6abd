// Runs the built CLI as a user would.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The bundled CLI that ships as `bin` (dist/leakhound.cjs), built from the same sources as dist/src.
export const BIN = `${ROOT}dist/leakhound.cjs`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string | undefined>; bin?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [opts.bin ?? BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A private copy of the bundled CLI (its four bundles, in a `dist` of their own under the package root, which they
 * find by walking up), for tests of the code caches the loader writes beside them: test files run in parallel, and
 * any CLI run from dist/ may write a missing or rejected cache there while such a test compares them.
 */
export function privateBin(): { bin: string; dist: string; remove: () => void } {
  const top = mkdtempSync(join(ROOT, '.leakhound-tmp-dist-'));
  const dist = join(top, 'dist');
  mkdirSync(dist);
  for (const f of readdirSync(join(ROOT, 'dist'))) if (f.endsWith('.cjs')) copyFileSync(join(ROOT, 'dist', f), join(dist, f));
  return { bin: join(dist, 'leakhound.cjs'), dist, remove: () => rmSync(top, { recursive: true, force: true }) };
}
