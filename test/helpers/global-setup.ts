// Builds dist/ once before the suite, so CLI tests run the real binary.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`build failed before tests:\n${out}`);
  }
  execFileSync('node', ['scripts/postbuild.mjs'], { cwd: root });
}
