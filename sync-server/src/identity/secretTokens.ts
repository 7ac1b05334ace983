import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/**
 * A secret for a client to hold (session cookie, access token, reset link): 20 random bytes
 * = 160 bits, as Lucia's session guide prescribes, in lower-case base32 (32 characters).
 */
export function generateSecretToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

/**
 * What the database keeps of a secret: its SHA-256 in hex. A plain hash suffices (no salt,
 * no slow hash) because the secret is 160 random bits, not a guessable password.
 */
export function hashSecretToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}
