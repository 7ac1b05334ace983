import * as Y from 'yjs';
import type { DocRoom } from './DocRoom.ts';

/**
 * Whether applying `update` would change the room's document: it carries structs past the
 * doc's clock, or deletes what the doc has not deleted. A client's sync step 2 always
 * repeats its whole delete set, so a read-only client's step 2 is rarely empty even when it
 * holds nothing new. Null when it cannot be told cheaply (a large doc held as bytes, whose
 * delete set is not at hand). Throws if the update does not decode.
 */
export function updateChangesDoc(room: DocRoom, update: Uint8Array): boolean | null {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    if (struct.id.clock + struct.length > room.clock(struct.id.client)) return true;
  }
  if (ds.clients.size === 0) return false;
  const doc = room.doc;
  if (!doc) return null;
  // Merging the update's deletions into the doc's changes it only if they add any.
  const deleted = Y.createDeleteSetFromStructStore(doc.store);
  return !Y.equalDeleteSets(Y.mergeDeleteSets([deleted, ds]), deleted);
}
