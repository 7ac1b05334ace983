import type { LocalStore } from '@desk/client';
import { TicketDoc, xmlPlainText } from '@desk/model';
import { parseDocId } from '@desk/protocol';
import * as Y from 'yjs';

/** One refused change in the exported file. */
export interface ExportedDraft {
  docId: string;
  /** Why the server refused it (DocErrorCode) and its words. */
  code: string;
  message: string;
  refusedAt: string;
  /**
   * The refused content as a Yjs update (base64): apply it to the document with
   * `Y.applyUpdate(doc, bytes)` to bring the work back.
   */
  update: string;
}

/**
 * A doc whose local changes never reached the server (e.g. the membership was removed while
 * offline: the server refuses the whole doc, so there is no refused update to keep — the
 * local copy itself is the work).
 */
export interface ExportedLocalCopy {
  docId: string;
  /** The whole local state as a Yjs update (base64). */
  state: string;
  /** For people: a ticket's description and comments as plain text (null for other docs). */
  text: string | null;
}

export interface DraftExport {
  format: 'desk-refused-changes';
  version: 1;
  workspaceId: string;
  exportedAt: string;
  drafts: ExportedDraft[];
  unsynced: ExportedLocalCopy[];
}

/** Every refused change kept in the replica for one workspace (DESIGN §4.4). */
export async function collectDrafts(store: LocalStore, workspaceId: string): Promise<DraftExport> {
  const drafts: ExportedDraft[] = [];
  const unsynced: ExportedLocalCopy[] = [];
  for (const { docId, dirty } of await store.listDocs()) {
    if (parseDocId(docId)?.workspaceId !== workspaceId) continue;
    if (dirty) unsynced.push(await localCopy(store, docId));
    for (const change of await store.getDrafts(docId)) {
      drafts.push({
        docId,
        code: change.code,
        message: change.message,
        refusedAt: new Date(change.at).toISOString(),
        update: toBase64(change.update),
      });
    }
  }
  return {
    format: 'desk-refused-changes',
    version: 1,
    workspaceId,
    exportedAt: new Date().toISOString(),
    drafts,
    unsynced,
  };
}

/** Reads a doc's local state through the store (no subscription: nothing is sent). */
async function localCopy(store: LocalStore, docId: string): Promise<ExportedLocalCopy> {
  const doc = new Y.Doc();
  const binding = store.bind(docId, doc);
  try {
    await binding.whenLoaded;
    let text: string | null = null;
    if (parseDocId(docId)?.kind === 'ticket') {
      const ticket = new TicketDoc(doc);
      text = [
        xmlPlainText(ticket.description),
        ...ticket.listComments().map((c) => `${c.authorName}: ${c.body}`),
      ].join('\n\n');
    }
    return { docId, state: toBase64(Y.encodeStateAsUpdate(doc)), text };
  } finally {
    await binding.destroy();
    doc.destroy();
  }
}

/** How many refused changes the replica keeps for one workspace. */
export async function countDrafts(store: LocalStore, workspaceId: string): Promise<number> {
  let n = 0;
  for (const { docId } of await store.listDocs()) {
    if (parseDocId(docId)?.workspaceId === workspaceId) n += (await store.getDrafts(docId)).length;
  }
  return n;
}

/** Offers `data` as a JSON file download. */
export function downloadJson(filename: string, data: unknown): void {
  const url = URL.createObjectURL(
    new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
