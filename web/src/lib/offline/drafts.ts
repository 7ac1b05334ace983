import type { LocalStore } from '@desk/client';
import { parseDocId } from '@desk/protocol';

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

export interface DraftExport {
  format: 'desk-refused-changes';
  version: 1;
  workspaceId: string;
  exportedAt: string;
  drafts: ExportedDraft[];
}

/** Every refused change kept in the replica for one workspace (DESIGN §4.4). */
export async function collectDrafts(store: LocalStore, workspaceId: string): Promise<DraftExport> {
  const drafts: ExportedDraft[] = [];
  for (const { docId } of await store.listDocs()) {
    if (parseDocId(docId)?.workspaceId !== workspaceId) continue;
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
  };
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
