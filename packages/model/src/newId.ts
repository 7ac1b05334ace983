const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A 20-character id from [a-z2-7] (100 bits), the same shape the server's `newId()` makes.
 * Generated on the client so a retried write (a comment sent twice after a network error)
 * lands on the same key instead of creating a duplicate.
 */
export function newId(): string {
  const bytes = new Uint8Array(20);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}
