// Cost of the baseline's slow derivation for low-entropy secrets (scrypt, DEFAULT_KDF) vs HMAC-SHA-256.
// Run: npx tsx bench/baseline-kdf.ts
import { clearIdentityCache, createBaseline, hashSecret, prepareIdentities } from '../src/baseline/index.js';

const b = createBaseline();
const n = 20;
const time = (label: string, fn: () => void): void => {
  const t0 = process.hrtime.bigint();
  fn();
  console.log(`${label}: ${(Number(process.hrtime.bigint() - t0) / 1e6 / n).toFixed(3)} ms/hash`);
};
time('scrypt N=2^14 r=8 p=1 (sync)', () => {
  for (let i = 0; i < n; i++) hashSecret(b, `pw${i}!`);
});
time('hmac-sha256', () => {
  for (let i = 0; i < n; i++) hashSecret(b, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY${i}`);
});
clearIdentityCache();
const t0 = process.hrtime.bigint();
await prepareIdentities(b, Array.from({ length: 100 }, (_, i) => `pw${i}?`));
console.log(`prepareIdentities, 100 low-entropy secrets (thread pool): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
