import * as Y from 'yjs';
import type { EntryItems } from './redactDoc.ts';

/**
 * Where a large document's disabled entries are (terms §4), without a Y.Doc: the clock
 * ranges of every item in them, found on the worker with the redacted state and kept current
 * with each stored update. An update touches a disabled entry when one of its items names a
 * parent in these ranges, or sits next to an item in them (an item's origins share its
 * parent and map key), or next to such an item of the same update. Items at a root key of a
 * disabled entry that name no neighbour are found by the plan (`rootKey`).
 */
export class EntryItemIndex {
  readonly #ranges = new Map<number, [number, number][]>();

  constructor(items: EntryItems) {
    for (const [client, clock, length] of items) this.#add(client, clock, length);
  }

  /** Whether `update` places an item in a disabled entry (and, when `record`, remembers it). */
  touches(
    update: Uint8Array,
    rootKey: (root: string, key: string | null) => boolean,
    record = false,
  ): boolean {
    const { structs } = Y.decodeUpdate(update);
    const inside = new Set<Y.Item>();
    const local = (id: Y.ID): Y.Item | undefined =>
      structs.find(
        (s): s is Y.Item =>
          s instanceof Y.Item &&
          s.id.client === id.client &&
          s.id.clock <= id.clock &&
          id.clock < s.id.clock + s.length,
      );
    // Items of one client come in clock order; one more pass settles origins from later ones.
    for (let pass = 0; pass < 2; pass++) {
      for (const struct of structs) {
        if (!(struct instanceof Y.Item) || inside.has(struct)) continue;
        const parent = struct.parent as unknown;
        const placed =
          (typeof parent === 'string' && rootKey(parent, struct.parentSub)) ||
          [parent instanceof Y.ID ? parent : null, struct.origin, struct.rightOrigin].some(
            (id) => id !== null && (this.#has(id) || inside.has(local(id)!)),
          );
        if (placed) inside.add(struct);
      }
    }
    if (record) for (const item of inside) this.#add(item.id.client, item.id.clock, item.length);
    return inside.size > 0;
  }

  #has(id: Y.ID): boolean {
    const ranges = this.#ranges.get(id.client);
    return ranges?.some(([start, end]) => start <= id.clock && id.clock < end) ?? false;
  }

  #add(client: number, clock: number, length: number): void {
    const ranges = this.#ranges.get(client);
    if (ranges) ranges.push([clock, clock + length]);
    else this.#ranges.set(client, [[clock, clock + length]]);
  }
}
