/**
 * Web Storage (`localStorage`, `sessionStorage`) in memory, as browsers expose it: each key
 * is an own enumerable property (so `Object.keys(localStorage)` lists the keys, as
 * localData.ts relies on) and the methods live on the prototype.
 */
export class MemoryStorage implements Storage {
  [key: string]: unknown;

  get length(): number {
    return Object.keys(this).length;
  }

  key(index: number): string | null {
    return Object.keys(this)[index] ?? null;
  }

  getItem(key: string): string | null {
    return Object.hasOwn(this, key) ? String(this[key]) : null;
  }

  setItem(key: string, value: string): void {
    this[key] = String(value);
  }

  removeItem(key: string): void {
    delete this[key];
  }

  clear(): void {
    for (const key of Object.keys(this)) delete this[key];
  }
}
