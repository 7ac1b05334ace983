import { describe, expect, it } from 'vitest';
import { signatureHeader, signPayload, verifySignature } from './webhookSignature.ts';

const secret = 'whsec_0123456789abcdef';
const body = '{"id":"evt_1","type":"subscription.activated"}';
const t = 1_800_000_000;
const nowMs = t * 1000;

describe('webhook signatures', () => {
  it('accepts the HMAC-SHA256 of "timestamp.body" with the shared secret', () => {
    expect(verifySignature(secret, signatureHeader(secret, t, body), body, nowMs)).toEqual({
      ok: true,
      timestamp: t,
    });
  });

  it('refuses a body changed after signing', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifySignature(secret, header, body.replace('evt_1', 'evt_2'), nowMs)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a timestamp changed after signing', () => {
    const header = `t=${t + 1},v1=${signPayload(secret, t, body)}`;
    expect(verifySignature(secret, header, body, nowMs).ok).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    const header = signatureHeader('another-secret-of-16', t, body);
    expect(verifySignature(secret, header, body, nowMs)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts up to five minutes of clock difference either way, and no more', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifySignature(secret, header, body, nowMs + 300_000).ok).toBe(true);
    expect(verifySignature(secret, header, body, nowMs - 300_000).ok).toBe(true);
    expect(verifySignature(secret, header, body, nowMs + 301_000)).toEqual({
      ok: false,
      reason: 'outside_window',
    });
    expect(verifySignature(secret, header, body, nowMs - 301_000)).toEqual({
      ok: false,
      reason: 'outside_window',
    });
  });

  it('accepts any one matching v1 among several (secret rotation)', () => {
    const header = `t=${t},v1=${signPayload('old-secret-0123456', t, body)},v1=${signPayload(secret, t, body)}`;
    expect(verifySignature(secret, header, body, nowMs).ok).toBe(true);
  });

  it('refuses missing and malformed headers', () => {
    expect(verifySignature(secret, undefined, body, nowMs)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(verifySignature(secret, 'v1=abc', body, nowMs)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifySignature(secret, `t=${t}`, body, nowMs)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
