import * as Y from 'yjs';
import type { AnyMap, FieldReader } from '../schema/read.ts';
import { readTicket, storedTicketOf, type TicketRecord } from '../workspace/TicketRecord.ts';
import type { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import type { ArchiveShard } from './ArchiveShard.ts';
import { isArchivable } from './archiving.ts';

/**
 * Clocks differ: a ticket the archiver (clock ahead) found 30 days old may be 29.9 days
 * old here. Judged a day later, such a ticket counts as archivable and is not put back
 * (which the next archiving run would undo, and so on); a real edit is days younger.
 */
const CLOCK_MARGIN_MS = 24 * 60 * 60 * 1000;

/**
 * An edit made while another device archives the same ticket (issue 15).
 *
 * Archiving removes the ticket's key from the hot index; Yjs drops a concurrent write into
 * the removed nested map (the edit lands inside a deleted type). No rule inside Yjs can
 * keep it, so the device that still has the edit puts the ticket back:
 *
 * - Every edit sets `updatedAt` to its time, so an edited or reopened ticket is not
 *   archivable, and an archiver that saw the edit would not have moved it
 *   (`moveToArchive` re-checks). A ticket that leaves the hot index by a remote change
 *   while its last state seen here is **not** archivable was therefore archived
 *   concurrently with a change made (or seen) here.
 * - That device writes the ticket back into the hot index with its last state — read from
 *   the removed map, whose entries Yjs still holds while the observers run — so the edit
 *   survives. The device that made the edit always sees the removal after its own edit (at
 *   once if online; on its next sync if it was offline or its tab closed, as the edit is in
 *   its local copy), so an edit is never left to a device that might not come back.
 * - The shard's stale copy is dropped by `dropStaleArchived` wherever a device holds both
 *   (a hot record not archivable, or newer than the shard's). A copy equal to an
 *   archivable hot record is a move half done (the index's removal is on its way), kept.
 *
 * - Only a removal that is a move counts: `archivedHere` says whether an archive shard this
 *   device holds has the ticket (the archiver writes the shard before it removes the row,
 *   and the server forwards both in that order). A row removed on purpose — a snapshot
 *   restore or its undo, a purge — is in no shard and stays removed. A device that holds no
 *   shard with the ticket does not repair (the edit is lost there, as without this guard;
 *   a device that has the shard loaded repairs for every replica).
 *
 * Every device that repairs writes the same record (the same last state, deterministic
 * fields), so the hot index converges; at worst two devices write the ticket's map back
 * concurrently and Yjs keeps one of the two equal maps.
 */
export function keepEditsFromArchiving(
  index: WorkspaceIndex,
  now: () => number,
  archivedHere: (ticketId: string) => boolean,
  onKept?: (record: TicketRecord) => void,
): () => void {
  const map = index.tickets.map;
  const handler = (event: Y.YMapEvent<AnyMap>, transaction: Y.Transaction) => {
    if (transaction.local) return; // this device's own move re-checked the ticket itself
    const kept: TicketRecord[] = [];
    event.changes.keys.forEach((change, id) => {
      if (change.action !== 'delete' || map.has(id)) return;
      const removed: unknown = change.oldValue;
      if (!(removed instanceof Y.Map)) return;
      // Only a move: a row removed by a restore or its undo, or a purge, is gone on purpose.
      if (!archivedHere(id)) return;
      const record = readTicket(id, removedFields(removed));
      if (!isArchivable(record, now() + CLOCK_MARGIN_MS)) kept.push(record);
    });
    if (!kept.length) return;
    // Written from inside the observer: Yjs runs this as a transaction of its own after
    // the current one, which the sync sends like any local change.
    index.doc.transact(() => {
      for (const record of kept) {
        const fields = new Y.Map<unknown>();
        for (const [key, value] of Object.entries(storedTicketOf(record))) fields.set(key, value);
        map.set(record.id, fields);
      }
    });
    for (const record of kept) onKept?.(record);
  };
  map.observe(handler);
  return () => map.unobserve(handler);
}

/**
 * Drops the shard's copies of tickets the hot index holds in a later state (kept or
 * reopened after a concurrent archiving): the ticket ends in one place. Returns how many.
 */
export function dropStaleArchived(index: WorkspaceIndex, shard: ArchiveShard, now: number): number {
  const stale: string[] = [];
  for (const [id] of shard.map) {
    const hot = index.tickets.get(id);
    if (!hot) continue;
    const archived = shard.get(id);
    if (!isArchivable(hot, now) || (archived && hot.updatedAt > archived.updatedAt)) {
      stale.push(id);
    }
  }
  if (stale.length) shard.doc.transact(() => stale.forEach((id) => shard.remove(id)));
  return stale.length;
}

/**
 * The fields of a nested map that was just removed: its entries are deleted (so `get`
 * answers nothing) but, while the observers of the removing transaction run, each key's
 * last item still holds its value.
 */
function removedFields(removed: Y.Map<unknown>): FieldReader {
  return {
    get(key) {
      const item = removed._map.get(key);
      if (!item) return undefined;
      const content = item.content.getContent();
      return content[content.length - 1];
    },
  };
}
