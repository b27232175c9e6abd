// Commit signatures and their dates (src/sources/git/parse.ts): each date is formatted in the signature's own
// timezone, whatever came before it; a parsed commit's signatures, read lazily, still compare and serialise.
import { describe, expect, it } from 'vitest';
import { commitOfWalk, isoDate, parseCommit, parseCommitLinks, parseSignature } from '../../src/sources/git/parse.js';

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

describe("the walk's commits", () => {
  const T = 'a'.repeat(40);
  const P1 = 'b'.repeat(40);
  const P2 = 'c'.repeat(40);
  const sig = ' -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----';
  const raws = [
    `tree ${T}\nparent ${P1}\nauthor A <a@example.com> 1700000000 +0100\ncommitter C <c@example.com> 1700000001 -0200\n\nsubject\n\nbody line\n`,
    `tree ${T}\nparent ${P1}\nparent ${P2}\nauthor Zoë Ünïcode <z@example.com> 1700000000 +0530\ncommitter Zoë Ünïcode <z@example.com> 1700000000 +0530\nencoding ISO-8859-1\nmergetag object ${P2}\n type commit\n tag v1\n\nMerge tag 'v1'\n`,
    `tree ${T}\nauthor A <a@example.com> 0 +0000\ncommitter A <a@example.com> 0 +0000\ngpgsig${sig}\n\nsigned\n`,
    `tree ${T}\nauthor A <a@example.com> 0 +0000\n\nno committer`,
    `tree ${T}\nauthor A <a@example.com> 0 +0000\ncommitter A <a@example.com> 0 +0000\n`,
    // A repeated author header: both read the same one (the last).
    `tree ${T}\nauthor First <f@example.com> 0 +0000\nauthor Second <s@example.com> 1 +0000\ncommitter C <c@example.com> 0 +0000\n\nm\n`,
  ];

  it('read as parseCommit reads them: every field, signed, merge-tagged, encoded, without a message', () => {
    for (const raw of raws) {
      const data = Buffer.from(raw);
      const links = parseCommitLinks(data);
      const c = commitOfWalk(data, 'd'.repeat(40), links.tree, links.parents);
      expect(JSON.parse(JSON.stringify(c)), raw).toEqual(JSON.parse(JSON.stringify(parseCommit(data))));
      expect(c.author.name).toBe(parseCommit(data).author.name);
      expect(c.subject).toBe(parseCommit(data).subject);
    }
  });

  it('reject a bad parent as parseCommit does', () => {
    const data = Buffer.from(`tree ${T}\nparent ${'x'.repeat(40)}\nauthor A <a@example.com> 0 +0000\n\nm\n`);
    const links = parseCommitLinks(data);
    expect(() => parseCommit(data)).toThrow(/bad parent/);
    expect(() => commitOfWalk(data, 'd'.repeat(40), links.tree, links.parents)).toThrow(/bad parent/);
  });
});
