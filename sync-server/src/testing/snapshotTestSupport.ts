import * as Y from 'yjs';
import type { SyncEngine } from '../sync/SyncEngine.ts';
import { docContent, stableStringify } from '../snapshots/docContent.ts';
import { docOf, workspaceDocIds } from '../snapshots/SnapshotDocs.ts';

/**
 * Test support: edit workspace documents as the server (through the sync engine, like any
 * client update) in the shapes packages/model writes. Not used in production.
 */
export async function editDoc(
  sync: SyncEngine,
  docId: string,
  edit: (doc: Y.Doc) => void,
): Promise<void> {
  const doc = docOf(await sync.readDocState(docId));
  const before = Y.encodeStateVector(doc);
  doc.transact(() => edit(doc));
  const update = Y.encodeStateAsUpdate(doc, before);
  doc.destroy();
  await sync.applyServerUpdate(docId, update);
}

export async function contentNow(sync: SyncEngine, docId: string): Promise<string> {
  return contentOfState(await sync.readDocState(docId));
}

export function contentOfState(state: Uint8Array): string {
  const doc = docOf(state);
  try {
    return stableStringify(docContent(doc));
  } finally {
    doc.destroy();
  }
}

export function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

/** A ticket: its index row and its own doc (description paragraph, one comment). */
export async function createTicket(
  sync: SyncEngine,
  workspaceId: string,
  id: string,
  title: string,
  number: number,
): Promise<void> {
  await editDoc(sync, workspaceDocIds.ticket(workspaceId, id), (doc) => {
    doc.getXmlFragment('description').insert(0, [paragraph(`Description of ${title}`)]);
    const comment = new Y.Map<unknown>();
    comment.set('kind', 'reply');
    comment.set('authorName', 'Ana');
    comment.set('body', `First reply on ${title}`);
    comment.set('createdAt', 1);
    comment.set('deleted', false);
    doc.getMap('comments').set(`c-${id}`, comment);
  });
  await editDoc(sync, workspaceDocIds.index(workspaceId), (doc) => {
    const row = new Y.Map<unknown>();
    row.set('number', number);
    row.set('title', title);
    row.set('status', 'open');
    row.set('deleted', false);
    row.set('tags', ['a']);
    doc.getMap('tickets').set(id, row);
  });
}

export async function setTicketField(
  sync: SyncEngine,
  workspaceId: string,
  id: string,
  field: string,
  value: unknown,
): Promise<void> {
  await editDoc(sync, workspaceDocIds.index(workspaceId), (doc) => {
    (doc.getMap('tickets').get(id) as Y.Map<unknown>).set(field, value);
  });
}

export async function ticketRow(
  sync: SyncEngine,
  workspaceId: string,
  id: string,
): Promise<Record<string, unknown> | null> {
  const doc = docOf(await sync.readDocState(workspaceDocIds.index(workspaceId)));
  const row = doc.getMap('tickets').get(id);
  const out = row instanceof Y.Map ? (row.toJSON() as Record<string, unknown>) : null;
  doc.destroy();
  return out;
}
