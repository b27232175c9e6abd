// Test helpers: loopback HTTP servers and a fetch that refuses anything but 127.0.0.1 (so no test can reach the
// internet even if an override were forgotten), plus deterministic credential material generated at run time
// (no secret-shaped literals committed).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import type { Finding, Occurrence } from '../../../src/types/index.js';

export interface Loopback {
  origin: string;
  port: number;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

export async function startServer(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export const loopbackOnlyFetch = (input: string, init: RequestInit): Promise<Response> => {
  const host = new URL(input).hostname;
  if (host !== '127.0.0.1') throw new Error(`test tried to leave loopback: ${host}`);
  return fetch(input, init);
};

/** Deterministic pseudo-random text from a label. */
function stream(label: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; Buffer.concat(out).length < n; i++) out.push(createHash('sha256').update(`${label}:${i}`).digest());
  return Buffer.concat(out).subarray(0, n);
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A modern-format access key id that decodes to `account` (inverse of Tal Beery's decoding). */
export function keyIdForAccount(account: string, label: string, prefix = 'AKIA'): string {
  const rnd = stream(label, 6);
  const low7 = BigInt(rnd[0]! & 0x7f);
  const tail32 = BigInt(rnd.readUInt32BE(1));
  const z48 = (1n << 47n) | (BigInt(account) << 7n) | low7;
  const bits80 = (z48 << 32n) | tail32;
  let s = '';
  for (let i = 15; i >= 0; i--) s += B32[Number((bits80 >> BigInt(i * 5)) & 31n)];
  return prefix + s;
}

/** A 40-character secret access key. */
export function secretFor(label: string): string {
  return stream('secret:' + label, 30).toString('base64').slice(0, 40);
}

/** An opaque token with a prefix. */
export function tokenFor(label: string, prefix = 'tok_'): string {
  return prefix + stream('token:' + label, 24).toString('hex');
}

export function occ(o: Partial<Occurrence> & { line: number }): Occurrence {
  return { path: 'f.txt', column: 1, endLine: o.line, endColumn: 10, ...o };
}

export function finding(ruleId: string, secret: string, occurrences: Occurrence[], groups?: Record<string, string>): Finding {
  return {
    fingerprint: `${ruleId}:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`,
    ruleId,
    ruleName: ruleId,
    severity: 'high',
    secret,
    redacted: secret.slice(0, 4) + '…',
    entropy: 4,
    occurrences,
    introducedIn: [],
    removedIn: [],
    atTips: [],
    status: 'present',
    ...(groups ? { groups } : {}),
  };
}

/** Every string reachable in a value (for "the secret appears nowhere" assertions). */
export function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v instanceof Map) for (const [k, x] of v) {
      allStrings(k, out);
      allStrings(x, out);
    }
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) allStrings(x, out);
  return out;
}
