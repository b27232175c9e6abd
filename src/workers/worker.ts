// Worker thread entry: compiles the rules once, then matches batches of units.
// May import: matcher, sources/git (shared packs), ./protocol, ./read-unit.
import { parentPort, workerData } from 'node:worker_threads';
import { seedVerdicts } from '../matcher/regex/verdicts.js';
import { adoptSharedPacks, fillShared } from '../sources/git/pack.js';
import { scannerFor } from './read-unit.js';
import { OidClaims } from './claims.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
if (init.verdicts) seedVerdicts(init.verdicts);
const scanner = scannerFor(init);
const port = parentPort!;
port.on('message', (msg: ToWorker) => {
  if (msg.type === 'packs') {
    adoptSharedPacks(msg.packs);
    if (msg.fill === true) for (const p of msg.packs) fillShared(p);
    return;
  }
  if (msg.type === 'claims') {
    scanner.claims = OidClaims.adopt(msg.buffer);
    return;
  }
  if (msg.type === 'close') {
    // The bundled CLI's loader (scripts/bundle.mjs) writes this bundle's code cache when V8 had none or rejected
    // it; at the end, the code the matcher compiled is in it. terminate() would run no exit handler.
    (globalThis as { __leakhoundSaveCodeCache?: () => void }).__leakhoundSaveCodeCache?.();
    process.exit(0);
  }
  if (msg.type === 'diff') {
    // Scan batches first: the main thread waits for those (the oldest commit it holds needs them), while a diff run's
    // answer is needed only when the walk reaches that run. Runs wait here, one taken per turn of the event loop, so
    // batches that arrived meanwhile go ahead of them.
    runs.push(msg);
    if (runs.length === 1) setImmediate(nextRun);
    return;
  }
  handle(msg);
});

const runs: Array<Extract<ToWorker, { type: 'diff' }>> = [];
function nextRun(): void {
  const msg = runs.shift();
  if (msg !== undefined) handle(msg);
  if (runs.length > 0) setImmediate(nextRun);
}

function handle(msg: Extract<ToWorker, { type: 'diff' | 'batch' }>): void {
  try {
    if (msg.type === 'diff') {
      const results = msg.jobs.map((j) => scanner.diff(msg.objectsDir, j, msg.scan));
      port.postMessage({ type: 'diffs', id: msg.id, results } satisfies FromWorker);
      return;
    }
    const results = msg.units.map((u) => scanner.scan(u));
    port.postMessage({ type: 'result', id: msg.id, results } satisfies FromWorker);
  } catch (e) {
    const err = e as Error & { code?: string };
    port.postMessage({ type: 'error', id: msg.id, error: { code: err.code ?? 'E_WORKER', message: err.message } } satisfies FromWorker);
  }
}
port.postMessage({ type: 'ready' } satisfies FromWorker);
