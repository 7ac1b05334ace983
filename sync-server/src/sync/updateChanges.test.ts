import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocRoom } from './DocRoom.ts';
import { updateChangesDoc } from './updateChanges.ts';

function roomWith(doc: Y.Doc): DocRoom {
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
  return new DocRoom(
    'ws1:index',
    'ws1',
    server,
    { lastLogId: 0, logCount: 0, logBytes: 0, storedBytes: 0 },
    Date.now,
  );
}

describe('updateChangesDoc', () => {
  const client = () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'abc');
    doc.getText('t').delete(1, 1);
    return doc;
  };

  it('LIMIT-4 says a step 2 that repeats what the server has (delete set included) changes nothing', () => {
    const doc = client();
    const room = roomWith(doc);
    const step2 = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(room.doc!));
    expect(Y.decodeUpdate(step2).ds.clients.size).toBe(1);
    expect(updateChangesDoc(room, step2)).toBe(false);
  });

  it('says new structs change the doc', () => {
    const doc = client();
    const room = roomWith(doc);
    doc.getText('t').insert(0, 'x');
    expect(updateChangesDoc(room, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(room.doc!)))).toBe(
      true,
    );
  });

  it('says deleting what the server still has changes the doc', () => {
    const doc = client();
    const room = roomWith(doc);
    doc.getText('t').delete(0, 1);
    expect(updateChangesDoc(room, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(room.doc!)))).toBe(
      true,
    );
  });
});
