import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync';
import { BenchClient, type ClientOptions } from './BenchClient.ts';

/**
 * Hocuspocus 3's dialect (from @hocuspocus/server `types.ts` MessageType and
 * `ClientConnection.ts`): every frame starts with the document name as a varString, then the
 * message type. The server queues a document's messages until its Auth message arrives, so
 * the client sends Auth (token sub-type 0) first, then its sync step 1.
 */
const HocuspocusType = { sync: 0, awareness: 1, auth: 2, syncReply: 4, syncStatus: 8 } as const;
const authToken = 0;

export class HocuspocusClient extends BenchClient {
  constructor(
    url: string,
    private readonly docId: string,
    options: ClientOptions,
  ) {
    super(url, [docId], options);
  }

  protected onOpen(): void {
    const auth = encoding.createEncoder();
    encoding.writeVarString(auth, this.docId);
    encoding.writeVarUint(auth, HocuspocusType.auth);
    encoding.writeVarUint(auth, authToken);
    encoding.writeVarString(auth, 'bench');
    this.send(encoding.toUint8Array(auth));
    const push = this.pushFor(this.docId);
    if (push) this.send(this.syncFrame(messageYjsUpdate, push));
    this.send(this.syncFrame(messageYjsSyncStep1, this.stateVectorOf(this.docId)));
  }

  sendUpdate(_docId: string, update: Uint8Array): void {
    this.send(this.syncFrame(messageYjsUpdate, update));
  }

  protected onMessage(data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    const docId = decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type !== HocuspocusType.sync && type !== HocuspocusType.syncReply) return;
    const kind = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    switch (kind) {
      case messageYjsSyncStep1:
        this.send(this.syncFrame(messageYjsSyncStep2, this.diffFor(docId, payload)));
        break;
      case messageYjsSyncStep2:
        this.received(docId, payload);
        this.markSynced(docId);
        break;
      case messageYjsUpdate:
        this.received(docId, payload);
        break;
    }
  }

  private syncFrame(kind: number, payload: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, this.docId);
    encoding.writeVarUint(encoder, HocuspocusType.sync);
    encoding.writeVarUint(encoder, kind);
    encoding.writeVarUint8Array(encoder, payload);
    return encoding.toUint8Array(encoder);
  }
}
