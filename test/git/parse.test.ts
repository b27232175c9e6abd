// Commit signatures and their dates (src/sources/git/parse.ts): each date is formatted in the signature's own
// timezone, whatever came before it; a parsed commit's signatures, read lazily, still compare and serialise.
import { describe, expect, it } from 'vitest';
import { isoDate, parseCommit, parseSignature } from '../../src/sources/git/parse.js';

describe('signature dates', () => {
  it('formats each timestamp in its own timezone, repeated or not', () => {
    const cases: Array<[number, string, string]> = [
      [1700000000, '+0100', '2023-11-14T23:13:20+01:00'],
      [1700000000, '+0100', '2023-11-14T23:13:20+01:00'],
      [1700000000, '-0530', '2023-11-14T16:43:20-05:30'],
      [1700000000, '+0000', '2023-11-14T22:13:20+00:00'],
      [1700000001, '+0000', '2023-11-14T22:13:21+00:00'],
      [1700000000, '+0100', '2023-11-14T23:13:20+01:00'],
      [0, 'bogus', '1970-01-01T00:00:00Z'],
    ];
    for (const [ts, tz, want] of cases) expect(isoDate(ts, tz), `${ts} ${tz}`).toBe(want);
  });

  it('author and committer keep their own dates', () => {
    const raw = Buffer.from(
      `tree ${'a'.repeat(40)}\nauthor A <a@example.com> 1700000000 +0100\ncommitter C <c@example.com> 1700000000 -0200\n\nsubject\n`,
    );
    const c = parseCommit(raw);
    expect(c.author.date).toBe('2023-11-14T23:13:20+01:00');
    expect(c.committer.date).toBe('2023-11-14T20:13:20-02:00');
    expect(parseSignature('B <b@example.com> 1700000000 +0100').date).toBe('2023-11-14T23:13:20+01:00');
  });

  it('a parsed commit compares and serialises with its signatures (read lazily, still own properties)', () => {
    const raw = Buffer.from(`tree ${'b'.repeat(40)}\nparent ${'c'.repeat(40)}\nauthor A <a@example.com> 0 +0000\n\nm\n`);
    const c = parseCommit(raw);
    const author = { name: 'A', email: 'a@example.com', timestamp: 0, timezone: '+0000', date: '1970-01-01T00:00:00+00:00' };
    // No committer header: the author stands in, as git's readers do.
    expect(c).toEqual({ tree: 'b'.repeat(40), parents: ['c'.repeat(40)], author, committer: author, message: 'm\n', subject: 'm', encoding: undefined, gpgsig: undefined, mergetags: [] });
    expect(JSON.parse(JSON.stringify(c)).author).toEqual(author);
    expect(structuredClone(c).committer).toEqual(author);
  });
});
