import type * as Y from 'yjs';

/**
 * Tolerant readers for values in a Y.Map. A document can hold anything a peer wrote (an
 * older client, a bot on the y-websocket endpoint), so reading never throws: a value of the
 * wrong shape reads as the fallback and the UI keeps working.
 */
export type AnyMap = Y.Map<unknown>;

/** Anything fields can be read from by key: a Y.Map, or a plain record wrapped by `plainFields`. */
export interface FieldReader {
  get(key: string): unknown;
}

/** Reads a plain JSON object (an archived ticket) with the same tolerant readers. */
export function plainFields(value: unknown): FieldReader {
  const record = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return { get: (key) => (Object.hasOwn(record, key) ? record[key] : undefined) };
}

export function readString(map: FieldReader, key: string, fallback = ''): string {
  const value = map.get(key);
  return typeof value === 'string' ? value : fallback;
}

export function readNullableString(map: FieldReader, key: string): string | null {
  const value = map.get(key);
  return typeof value === 'string' && value !== '' ? value : null;
}

export function readNumber(map: FieldReader, key: string, fallback = 0): number {
  const value = map.get(key);
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function readNullableNumber(map: FieldReader, key: string): number | null {
  const value = map.get(key);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function readBoolean(map: FieldReader, key: string): boolean {
  return map.get(key) === true;
}

export function readStringArray(map: FieldReader, key: string): string[] {
  const value = map.get(key);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function readOneOf<T extends string>(
  map: FieldReader,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = map.get(key);
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Sets a key only when the value differs, so a no-op edit sends no update. */
export function setIfChanged(map: AnyMap, key: string, value: unknown): boolean {
  const current = map.get(key);
  if (sameValue(current, value)) return false;
  map.set(key, value);
  return true;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
