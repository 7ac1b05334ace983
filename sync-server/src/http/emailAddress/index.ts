/**
 * The one spelling of an address we store and compare: trimmed, the domain lower-cased.
 * The local part keeps its case: RFC 5321 lets a server treat it as case-sensitive.
 */
export function normalizeEmail(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed;
  return trimmed.slice(0, at) + '@' + trimmed.slice(at + 1).toLowerCase();
}

/** A pragmatic shape check; the real proof is the mail arriving. */
export function looksLikeEmail(value: string): boolean {
  return value.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}
