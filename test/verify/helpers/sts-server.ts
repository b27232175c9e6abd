// A loopback STS that implements GetCallerIdentity and CHECKS the SigV4 signature with its own, independent
// canonicalisation (so a signing bug in src/verify/sigv4.ts fails the tests instead of being mirrored here).
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type Loopback } from './loopback.js';

export interface KnownKey {
  secret: string;
  account: string;
  user: string;
  sessionToken?: string;
}

export interface FakeSts extends Loopback {
  keys: Map<string, KnownKey>;
  mode: 'normal' | 'throttle' | 'error500';
  /** Key ids seen in Authorization headers, in order. */
  seenKeyIds: string[];
}

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const mac = (k: string | Buffer, s: string): Buffer => createHmac('sha256', k).update(s, 'utf8').digest();

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code>` +
      `<Message>${message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
  );
}

function check(sts: FakeSts, req: IncomingMessage, body: string, res: ServerResponse): void {
  if (sts.mode === 'throttle') return xmlError(res, 400, 'Throttling', 'Rate exceeded');
  if (sts.mode === 'error500') return xmlError(res, 500, 'InternalFailure', 'oops');
  const auth = String(req.headers['authorization'] ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return xmlError(res, 403, 'IncompleteSignature', 'bad Authorization header');
  const [, keyId, day, region, service, signedHeaders, signature] = m as unknown as string[];
  sts.seenKeyIds.push(keyId!);
  if (service !== 'sts') return xmlError(res, 403, 'SignatureDoesNotMatch', 'wrong service');
  if (body !== 'Action=GetCallerIdentity&Version=2011-06-15') return xmlError(res, 400, 'InvalidAction', 'unexpected body');
  const key = sts.keys.get(keyId!);
  if (!key) return xmlError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const t = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (!Number.isFinite(t) || Math.abs(Date.now() - t) > 15 * 60_000) return xmlError(res, 400, 'RequestExpired', 'Request has expired.');
  if (!amzDate.startsWith(day!)) return xmlError(res, 403, 'SignatureDoesNotMatch', 'date mismatch');
  const names = signedHeaders!.split(';');
  for (const required of ['host', 'x-amz-date']) if (!names.includes(required)) return xmlError(res, 403, 'SignatureDoesNotMatch', 'unsigned');
  if (key.sessionToken !== undefined) {
    if (req.headers['x-amz-security-token'] !== key.sessionToken || !names.includes('x-amz-security-token')) {
      return xmlError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
  }
  const url = new URL(req.url ?? '/', 'http://x');
  const canonical = [
    req.method,
    url.pathname,
    url.search.slice(1).split('&').filter(Boolean).sort().join('&'),
    names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    sha(body),
  ].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, `${day}/${region}/sts/aws4_request`, sha(canonical)].join('\n');
  const k = mac(mac(mac(mac('AWS4' + key.secret, day!), region!), 'sts'), 'aws4_request');
  const expected = createHmac('sha256', k).update(toSign, 'utf8').digest('hex');
  if (expected !== signature) {
    return xmlError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  res.writeHead(200, { 'Content-Type': 'text/xml' });
  res.end(
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
      `<Arn>arn:aws:iam::${key.account}:user/${key.user}</Arn><UserId>AIDAEXAMPLEUSERID${key.user.length}</UserId>` +
      `<Account>${key.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>` +
      `</GetCallerIdentityResponse>`,
  );
}

export async function startFakeSts(): Promise<FakeSts> {
  const sts = { keys: new Map<string, KnownKey>(), mode: 'normal', seenKeyIds: [] as string[] } as unknown as FakeSts;
  const lb = await startServer((req, body, res) => check(sts, req, body, res));
  return Object.assign(sts, lb, { keys: sts.keys, mode: 'normal' as const, seenKeyIds: sts.seenKeyIds });
}
