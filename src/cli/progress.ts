// A progress line on stderr, only when stderr is a terminal (and not disabled): redrawn at most 5 times a second.
export interface Progress {
  update(fields: { commits: number; blobs: number; bytes: number; findings: number }): void;
  done(): void;
}

export function progressLine(enabled: boolean, startedAt = performance.now()): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  return {
    update(f) {
      const now = performance.now();
      if (now - last < 200) return;
      last = now;
      const secs = (now - startedAt) / 1000;
      const mb = f.bytes / 1e6;
      const line = `walking: ${f.commits} commits, ${f.blobs} blobs, ${mb.toFixed(1)} MB, ${(mb / Math.max(secs, 0.001)).toFixed(1)} MB/s, ${f.findings} secrets, ${secs.toFixed(1)} s`;
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[2K');
    },
  };
}
