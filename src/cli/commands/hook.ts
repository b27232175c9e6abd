// `leakhound hook install`: installs `leakhound protect` as the repository's pre-commit hook.
// Git hooks dir (core.hooksPath honoured), or `.husky/pre-commit` when the repository uses husky. Never clobbers a
// hook it did not write unless --force; --append adds the check to the end of an existing hook instead.
// No git binary: the config is read as a file (core.hooksPath in the repository's config).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { LeakhoundError } from '../../errors/index.js';
import { EXIT } from '../shared.js';

export const command = 'hook <action>';
export const describe = 'Install leakhound protect as the git pre-commit hook (or into .husky/pre-commit)';

const MARKER = '# leakhound pre-commit hook';

export function builder(y: Argv) {
  return y
    .positional('action', { choices: ['install'] as const, describe: 'install: write the pre-commit hook' })
    .option('force', { type: 'boolean', default: false, describe: 'Replace an existing pre-commit hook that leakhound did not write' })
    .option('append', { type: 'boolean', default: false, describe: 'Add the check to the end of an existing pre-commit hook' })
    .option('husky', { type: 'boolean', describe: 'Write to .husky/pre-commit (default: when the repository uses husky)' })
    .option('command', { type: 'string', describe: 'How the hook runs leakhound (default: ./node_modules/.bin/leakhound when installed there, else this binary)' })
    .example('$0 hook install', 'Install the pre-commit hook')
    .example('$0 hook install --append', 'Keep the existing hook and add leakhound to it');
}

/** core.hooksPath from a git config file, if set (the last value wins, as in git). */
function hooksPathFromConfig(configFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch {
    return undefined;
  }
  let section = '';
  let value: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const sec = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\s*\]/.exec(line);
    if (sec) {
      section = sec[1]!.toLowerCase();
      continue;
    }
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (section === 'core' && kv && kv[1]!.toLowerCase() === 'hookspath') value = kv[2]!.replace(/^"(.*)"$/, '$1').replace(/\s+[#;].*$/, '');
  }
  return value;
}

/**
 * Prefix of the hook command. `protect` never uses the network, and with NODE_EXTRA_CA_CERTS set (common behind
 * corporate proxies) Node 20 parses that CA bundle at start-up before running any code: ~40 ms on every commit
 * (measured on the 2-core dev container: `node -e 0` 110 ms with it, 70 ms with it empty). Empty means unset to Node.
 */
export const HOOK_ENV = 'NODE_EXTRA_CA_CERTS=';

/** A hook or husky file line that already runs leakhound protect (any of the commands this file writes). */
const RUNS_PROTECT = /leakhound(\.c?js)?["']? protect|main\.js["']? protect/;

function defaultCommand(workTree: string): string {
  // Not `npx`: it costs ~0.3 s of its own on every commit. Git runs hooks from the top of the work tree.
  if (existsSync(join(workTree, 'node_modules', '.bin', 'leakhound'))) return './node_modules/.bin/leakhound';
  // In the bundle (dist/leakhound-core.cjs) the command is its loader, dist/leakhound.cjs; from the tsc output,
  // main.js is one level up.
  const main = import.meta.url.endsWith('.cjs')
    ? fileURLToPath(import.meta.url).replace(/leakhound-core\.cjs$/, 'leakhound.cjs')
    : fileURLToPath(new URL('../main.js', import.meta.url));
  return `"${process.execPath}" "${main}"`;
}

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const { discoverRepository } = await import('../../sources/git/repo.js');
  const repo = discoverRepository(process.cwd(), { env: process.env });
  const workTree = repo.workTree;
  if (workTree === null) throw new LeakhoundError('E_USAGE', 'a bare repository has no pre-commit hook to install (commits are not made there)');
  const cmd = typeof argv.command === 'string' ? argv.command : defaultCommand(workTree);
  const hooksPath = hooksPathFromConfig(join(repo.gitDir, 'config.worktree')) ?? hooksPathFromConfig(join(repo.commonDir, 'config'));
  const huskyDir = join(workTree, '.husky');
  const husky = typeof argv.husky === 'boolean' ? argv.husky : (hooksPath !== undefined && /(^|\/)\.husky(\/_)?\/?$/.test(hooksPath)) || existsSync(join(huskyDir, 'pre-commit'));

  if (husky) {
    // husky v9 runs .husky/pre-commit with node_modules/.bin on PATH (so no `npx`, which costs ~0.3 s per commit);
    // the file is committed, so keep it portable.
    const file = join(huskyDir, 'pre-commit');
    const line = `${HOOK_ENV} ${typeof argv.command === 'string' ? argv.command : 'leakhound'} protect`;
    const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (RUNS_PROTECT.test(old)) {
      process.stdout.write(`leakhound: ${relative(process.cwd(), file) || file} already runs leakhound protect\n`);
      return EXIT.CLEAN;
    }
    mkdirSync(huskyDir, { recursive: true });
    writeFileSync(file, old === '' ? `${line}\n` : `${old.replace(/\n*$/, '\n')}${line}\n`, { mode: 0o755 });
    process.stdout.write(`leakhound: added \`${line}\` to ${relative(process.cwd(), file) || file} (commit it; husky installs it for everyone via "prepare": "husky || true")\n`);
    return EXIT.CLEAN;
  }

  const dir = hooksPath !== undefined ? (isAbsolute(hooksPath) ? hooksPath : resolve(workTree, hooksPath.replace(/^~(?=\/)/, process.env.HOME ?? '~'))) : join(repo.commonDir, 'hooks');
  const file = join(dir, 'pre-commit');
  const body = `${MARKER} (written by \`leakhound hook install\`)\n# Blocks commits that add secrets. Bypassing it (git commit --no-verify) commits the secret.\n${HOOK_ENV} ${cmd} protect || exit $?\n`;
  if (existsSync(file)) {
    const old = readFileSync(file, 'utf8');
    if (old.includes(MARKER)) {
      writeFileSync(file, `#!/bin/sh\n${body}`);
    } else if (argv.append === true) {
      if (RUNS_PROTECT.test(old)) {
        process.stdout.write(`leakhound: ${file} already runs leakhound protect\n`);
        return EXIT.CLEAN;
      }
      writeFileSync(file, `${old.replace(/\n*$/, '\n')}\n${body}`);
    } else if (argv.force !== true) {
      throw new LeakhoundError('E_USAGE', `${file} exists and was not written by leakhound: rerun with --append to add the check to it, or --force to replace it`);
    } else writeFileSync(file, `#!/bin/sh\n${body}`);
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `#!/bin/sh\n${body}`);
  }
  chmodSync(file, 0o755);
  process.stdout.write(`leakhound: pre-commit hook installed at ${file}\n`);
  return EXIT.CLEAN;
}
