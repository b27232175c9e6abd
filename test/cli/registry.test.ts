// The lazy command registry repeats each command's name and description for the top-level help: keep them equal.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';

describe('command registry', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: registry entry matches its module', async (_name, entry) => {
    const m = await entry.load();
    expect(m.command).toBe(entry.command);
    expect(m.describe).toBe(entry.describe);
    expect(String(m.command).split(' ')[0]).toBe(entry.name);
  });
});
