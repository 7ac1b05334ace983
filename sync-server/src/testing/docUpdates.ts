import * as Y from 'yjs';

/** Test data for the doc store contracts (sync and async): real Yjs updates and states. */

/** The bytes as hex, so that expectations print and compare readably. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The merged state of a doc holding one Y.Text of about `bytes` characters. */
export function bigTextState(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  // Varied characters: a run of one character compresses in neither Yjs nor SQLite, but
  // a real document is not one character either.
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `${i.toString(36)} `;
  doc.getText('t').insert(0, text.slice(0, bytes));
  return Y.encodeStateAsUpdate(doc);
}

/** `count` successive updates of one Y.Text, each inserting its index. */
export function textUpdates(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, String(i));
  return updates;
}
