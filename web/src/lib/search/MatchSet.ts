/**
 * The tickets a query matched, as a ReadonlySet of ids without building one: a byte per
 * ticket slot (what the term index marked) plus ids added later (the server's hits). A
 * list filtering thousands of rows asks `has` per row; building a Set of 10,000 ids per
 * keystroke would cost more than the search itself.
 */
export class MatchSet implements ReadonlySet<string> {
  readonly #extra = new Set<string>();
  #size: number | null = null;

  constructor(
    private readonly hits: Uint8Array | null,
    private readonly slots: ReadonlyMap<string, number>,
    private readonly ids: readonly string[],
  ) {}

  /** Adds an id the index did not mark (a server hit). */
  add(id: string): void {
    if (this.has(id)) return;
    this.#extra.add(id);
    if (this.#size !== null) this.#size += 1;
  }

  has(id: string): boolean {
    if (this.#extra.has(id)) return true;
    const slot = this.slots.get(id);
    return slot !== undefined && this.hits !== null && this.hits[slot] === 1;
  }

  get size(): number {
    if (this.#size === null) {
      let count = this.#extra.size;
      if (this.hits) for (const hit of this.hits) count += hit;
      this.#size = count;
    }
    return this.#size;
  }

  *values(): SetIterator<string> {
    if (this.hits) {
      for (let slot = 0; slot < this.hits.length; slot++) {
        if (this.hits[slot] === 1) yield this.ids[slot]!;
      }
    }
    yield* this.#extra;
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  *entries(): SetIterator<[string, string]> {
    for (const id of this.values()) yield [id, id];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const id of this.values()) callback(id, id, this);
  }

  // The ES2025 set methods, for completeness (nothing hot uses them): on plain Sets.
  union<U>(other: ReadonlySetLike<U>): Set<string | U> {
    return new Set<string | U>(this).union(other);
  }

  intersection<U>(other: ReadonlySetLike<U>): Set<string & U> {
    return new Set(this).intersection(other);
  }

  difference<U>(other: ReadonlySetLike<U>): Set<string> {
    return new Set(this).difference(other);
  }

  symmetricDifference<U>(other: ReadonlySetLike<U>): Set<string | U> {
    return new Set<string | U>(this).symmetricDifference(other);
  }

  isSubsetOf(other: ReadonlySetLike<unknown>): boolean {
    return new Set(this).isSubsetOf(other);
  }

  isSupersetOf(other: ReadonlySetLike<unknown>): boolean {
    return new Set(this).isSupersetOf(other);
  }

  isDisjointFrom(other: ReadonlySetLike<unknown>): boolean {
    return new Set(this).isDisjointFrom(other);
  }
}
