import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/**
 * A random identifier: 20 characters of lower-case base32 (100 bits). Safe in URLs, file
 * names and document ids (`<workspaceId>:ticket:<ticketId>`), and not guessable.
 */
export function newId(): string {
  const bytes = new Uint8Array(13);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes).slice(0, 20);
}
