import { encodeClientMessage, encodeDocFrame, MessageType, YMessageType } from '@desk/protocol';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/**
 * The frames a replica sends, built once here so the state machine reads as protocol steps.
 * The y-protocols part is byte-for-byte what y-websocket sends on a single-doc socket.
 */
export const docFrames = {
  /** `replicaSyncedAt`: when the workspace's replica last caught up (protocol 5). */
  subscribe: (docId: string, replicaSyncedAt?: number) =>
    encodeClientMessage({
      type: MessageType.subscribe,
      docId,
      ...(replicaSyncedAt === undefined ? {} : { replicaSyncedAt }),
    }),
  unsubscribe: (docId: string) => encodeClientMessage({ type: MessageType.unsubscribe, docId }),
  syncStep1: (docId: string, doc: Y.Doc) =>
    syncFrame(docId, (encoder) => syncProtocol.writeSyncStep1(encoder, doc)),
  syncStep2: (docId: string, update: Uint8Array) =>
    syncFrame(docId, (encoder) => {
      encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2);
      encoding.writeVarUint8Array(encoder, update);
    }),
  update: (docId: string, update: Uint8Array) =>
    syncFrame(docId, (encoder) => syncProtocol.writeUpdate(encoder, update)),
  awareness: (docId: string, awarenessUpdate: Uint8Array) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessageType.awareness);
    encoding.writeVarUint8Array(encoder, awarenessUpdate);
    return encodeDocFrame(docId, encoding.toUint8Array(encoder));
  },
};

function syncFrame(docId: string, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessageType.sync);
  write(encoder);
  return encodeDocFrame(docId, encoding.toUint8Array(encoder));
}

/** True when an update carries neither new items nor deletions. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length === 0 && ds.clients.size === 0;
}

/**
 * True when applying `update` to `doc` would change it: items past its clocks, or deletions
 * it has not made. (A diff update repeats the sender's whole delete set, so an update that
 * adds nothing is rarely empty.)
 */
export function changesDoc(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue;
    if (struct.id.clock + struct.length > Y.getState(doc.store, struct.id.client)) return true;
  }
  if (ds.clients.size === 0) return false;
  const deleted = Y.createDeleteSetFromStructStore(doc.store);
  return !Y.equalDeleteSets(Y.mergeDeleteSets([deleted, ds]), deleted);
}

/** True when an update carries new items (deletions alone do not count). */
export function hasNewItems(update: Uint8Array): boolean {
  return Y.decodeUpdate(update).structs.length > 0;
}
