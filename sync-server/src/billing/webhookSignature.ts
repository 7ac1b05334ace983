import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>` (several v1 during secret rotation). */
export const SIGNATURE_HEADER = 'x-billing-signature';

/** How far a signed timestamp may be from our clock, either way, in seconds. @default 300 */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'outside_window' };

/** The signature a sender computes: HMAC-SHA256 over `<timestamp>.<raw body>`, in hex. */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** The header value a sender sends (also used by tests and the docs' example). */
export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${signPayload(secret, timestampSeconds, body)}`;
}

/**
 * Checks the signature over the exact bytes received (never a re-serialized body) in
 * constant time, then the timestamp window. Signing the timestamp with the body means a
 * captured request cannot be replayed later with a fresh timestamp; replays inside the
 * window are stopped by the stored event ids.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowMs: number,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === null || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signPayload(secret, timestamp, body), 'hex');
  const matches = candidates.some((candidate) =>
    timingSafeEqual(Buffer.from(candidate, 'hex'), expected),
  );
  if (!matches) return { ok: false, reason: 'mismatch' };
  if (Math.abs(nowMs / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'outside_window' };
  }
  return { ok: true, timestamp };
}
