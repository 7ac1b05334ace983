import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync';
import { BenchClient, type ClientOptions } from './BenchClient.ts';

/** y-websocket's outer message types (y-websocket's `messageSync`, `messageAwareness`). */
const messageSync = 0;

/**
 * The stock y-websocket dialect: one doc per socket, frames are `varUint type` + payload.
 * With `handshake` off (the ws relay, which has no document to sync with) the client sends
 * no sync step 1 and counts as synced as soon as the socket opens.
 */
export class YWebsocketClient extends BenchClient {
  constructor(
    url: string,
    private readonly docId: string,
    options: ClientOptions,
    private readonly handshake: boolean,
  ) {
    super(url, [docId], options);
  }

  protected onOpen(): void {
    if (!this.handshake) {
      this.markSynced(this.docId);
      return;
    }
    const push = this.pushFor(this.docId);
    if (push) this.send(syncFrame(messageYjsUpdate, push));
    this.send(syncFrame(messageYjsSyncStep1, this.stateVectorOf(this.docId)));
  }

  sendUpdate(_docId: string, update: Uint8Array): void {
    this.send(syncFrame(messageYjsUpdate, update));
  }

  protected onMessage(data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    if (decoding.readVarUint(decoder) !== messageSync) return; // awareness etc.
    const kind = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    switch (kind) {
      case messageYjsSyncStep1:
        // The relay forwards other clients' step 1s; only a real server's deserves an answer.
        if (this.handshake)
          this.send(syncFrame(messageYjsSyncStep2, this.diffFor(this.docId, payload)));
        break;
      case messageYjsSyncStep2:
        this.received(this.docId, payload);
        this.markSynced(this.docId);
        break;
      case messageYjsUpdate:
        this.received(this.docId, payload);
        break;
    }
  }
}

export function syncFrame(kind: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSync);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}
