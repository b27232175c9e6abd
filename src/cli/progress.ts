// A progress line on stderr, only when stderr is a terminal (and not disabled): redrawn at most 5 times a second.
export interface ProgressFields {
  commits: number;
  /** Commits to walk in all, when known (the audit: what its walk has met so far); with it the line has an ETA. */
  total?: number;
  blobs: number;
  bytes: number;
  findings: number;
}

export interface Progress {
  update(fields: ProgressFields): void;
  done(): void;
}

/**
 * The line's text. `eta`: seconds left (from the commit rate since the first commit was counted: a history walk
 * reads every commit down to the root before it counts the first), undefined when not known yet.
 */
export function progressText(f: ProgressFields, secs: number, eta: number | undefined): string {
  const mb = f.bytes / 1e6;
  const commits = f.total !== undefined && f.total > f.commits ? `${f.commits}/${f.total} commits` : `${f.commits} commits`;
  const left = eta === undefined || !Number.isFinite(eta) ? '' : `, ETA ${eta < 60 ? `${Math.ceil(eta)} s` : `${Math.floor(eta / 60)} min ${Math.ceil(eta % 60)} s`}`;
  return `walking: ${commits}, ${f.blobs} blobs, ${mb.toFixed(1)} MB, ${(mb / Math.max(secs, 0.001)).toFixed(1)} MB/s, ${f.findings} secrets, ${secs.toFixed(1)} s${left}`;
}

/** Seconds left at a steady rate: `done` of `total` after `secs` of counting (from `done0` at the start). */
export function etaSeconds(done0: number, done: number, total: number | undefined, secs: number): number | undefined {
  if (total === undefined || done <= done0 || secs <= 0 || total < done) return undefined;
  return ((total - done) * secs) / (done - done0);
}

export function progressLine(enabled: boolean, startedAt = performance.now()): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  /** When commits were first counted, and how many: the rate for the ETA is taken from there. */
  let from: { t: number; commits: number } | undefined;
  return {
    update(f) {
      const now = performance.now();
      if (from === undefined && f.commits > 0) from = { t: now, commits: f.commits };
      if (now - last < 200) return;
      last = now;
      const secs = (now - startedAt) / 1000;
      const eta = from === undefined ? undefined : etaSeconds(from.commits, f.commits, f.total, (now - from.t) / 1000);
      const line = progressText(f, secs, eta);
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[2K');
    },
  };
}
