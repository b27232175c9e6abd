import { describe, expect, it } from 'vitest';
import { signV4, signingKey, amzDate } from '../../src/verify/sigv4.js';
import { SUITE_CREDENTIALS, SUITE_DATE, VECTORS } from './sigv4-vectors.js';

describe('SigV4 reproduces the AWS signature test suite', () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const signed = signV4({
        method: v.method,
        url: 'https://example.amazonaws.com' + v.pathAndQuery,
        ...(v.headers ? { headers: v.headers } : {}),
        ...(v.body !== undefined ? { body: v.body } : {}),
        region: 'us-east-1',
        service: 'service',
        credentials: { ...SUITE_CREDENTIALS, ...(v.sessionToken ? { sessionToken: v.sessionToken } : {}) },
        date: SUITE_DATE,
      });
      expect(signed.authorization).toBe(
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`,
      );
    });
  }

  it('post-sts-header-before: string to sign as published', () => {
    const v = VECTORS.find((x) => x.name === 'post-sts-header-before')!;
    const signed = signV4({
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      region: 'us-east-1',
      service: 'service',
      credentials: { ...SUITE_CREDENTIALS, sessionToken: v.sessionToken! },
      date: SUITE_DATE,
    });
    expect(signed.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6',
    );
    expect(signed.headers['X-Amz-Security-Token']).toBe(v.sessionToken);
  });

  it('formats the date and derives the key deterministically', () => {
    expect(amzDate(SUITE_DATE)).toBe('20150830T123600Z');
    expect(signingKey('k', '20150830', 'us-east-1', 'sts').toString('hex')).toHaveLength(64);
  });

  it('never returns the secret access key in any output field', () => {
    const signed = signV4({
      method: 'POST', url: 'https://sts.amazonaws.com/', body: 'Action=GetCallerIdentity&Version=2011-06-15',
      region: 'us-east-1', service: 'sts', credentials: SUITE_CREDENTIALS, date: SUITE_DATE,
    });
    expect(JSON.stringify(signed)).not.toContain(SUITE_CREDENTIALS.secretAccessKey);
  });
});
