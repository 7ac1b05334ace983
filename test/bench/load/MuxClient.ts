import {
  DocChunkAssembler,
  decodeServerMessage,
  encodeClientMessage,
  encodeDocFrame,
  MessageType,
  PROTOCOL_VERSION,
  type CatchUpResultMessage,
} from '@desk/protocol';
import * as decoding from 'lib0/decoding';
import { messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync';
import { BenchClient, type ClientOptions } from './BenchClient.ts';
import { syncFrame } from './YWebsocketClient.ts';

/** Pseudo doc id that keeps `synced` pending until the server's welcome. */
const WELCOME = '\u0000welcome';

/**
 * Our multiplexed `/sync` dialect (packages/protocol PROTOCOL.md): hello → welcome, then any
 * number of docs on the one socket, each framed as `0 · docId · y-protocols message`; acks
 * for stored updates; catch-up by workspace sequence.
 */
export class MuxClient extends BenchClient {
  generation = '';
  private readonly waiters = new Map<string, () => void>();
  /** A large first sync arrives in docChunk pieces (PROTOCOL.md). */
  private readonly chunks = new DocChunkAssembler();
  private catchUpWaiter: ((result: CatchUpResultMessage) => void) | null = null;
  private readonly initialDocs: readonly string[];

  constructor(url: string, initialDocs: readonly string[], options: ClientOptions) {
    super(url, [WELCOME, ...initialDocs], options);
    this.initialDocs = initialDocs;
  }

  protected onOpen(): void {
    this.send(encodeClientMessage({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }));
    for (const docId of this.initialDocs) this.subscribeOne(docId);
  }

  /** Subscribes docs and resolves once each has received the server's sync step 2. */
  subscribe(docIds: readonly string[]): Promise<void> {
    return Promise.all(
      docIds.map(
        (docId) =>
          new Promise<void>((resolve) => {
            this.waiters.set(docId, resolve);
            this.subscribeOne(docId);
          }),
      ),
    ).then(() => undefined);
  }

  /** Asks which docs of a workspace changed since `sinceSeq`. */
  catchUp(
    workspaceId: string,
    sinceSeq: number,
    generation: string,
  ): Promise<CatchUpResultMessage> {
    return new Promise((resolve) => {
      this.catchUpWaiter = resolve;
      this.send(
        encodeClientMessage({ type: MessageType.catchUp, workspaceId, sinceSeq, generation }),
      );
    });
  }

  sendUpdate(docId: string, update: Uint8Array): void {
    this.send(encodeDocFrame(docId, syncFrame(messageYjsUpdate, update)));
  }

  private subscribeOne(docId: string): void {
    this.send(encodeClientMessage({ type: MessageType.subscribe, docId }));
    const push = this.pushFor(docId);
    if (push) this.sendUpdate(docId, push);
    this.send(encodeDocFrame(docId, syncFrame(messageYjsSyncStep1, this.stateVectorOf(docId))));
  }

  protected onMessage(data: Uint8Array): void {
    const message = decodeServerMessage(data);
    switch (message.type) {
      case MessageType.welcome:
        this.generation = message.generation;
        this.markSynced(WELCOME);
        return;
      case MessageType.doc:
        this.onDocMessage(message.docId, message.payload);
        return;
      case MessageType.docChunk: {
        const whole = this.chunks.add(message);
        if (whole) this.onDocMessage(message.docId, whole);
        return;
      }
      case MessageType.ack:
        this.options.onAck?.(message.docId, message.count);
        return;
      case MessageType.catchUpResult:
        this.catchUpWaiter?.(message);
        this.catchUpWaiter = null;
        return;
      case MessageType.docError:
        this.fail(new Error(`doc ${message.docId} refused: ${message.code} ${message.message}`));
        return;
      case MessageType.error:
        this.fail(new Error(`server error ${message.code}: ${message.message}`));
        return;
      case MessageType.subscribed:
      case MessageType.disabledItems:
      case MessageType.pong: // this client sends no pings
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  private onDocMessage(docId: string, payload: Uint8Array): void {
    const decoder = decoding.createDecoder(payload);
    if (decoding.readVarUint(decoder) !== 0) return; // awareness, query-awareness
    const kind = decoding.readVarUint(decoder);
    const body = decoding.readVarUint8Array(decoder);
    switch (kind) {
      case messageYjsSyncStep1:
        this.send(encodeDocFrame(docId, syncFrame(messageYjsSyncStep2, this.diffFor(docId, body))));
        break;
      case messageYjsSyncStep2:
        this.received(docId, body);
        this.markSynced(docId);
        this.waiters.get(docId)?.();
        this.waiters.delete(docId);
        break;
      case messageYjsUpdate:
        this.received(docId, body);
        break;
    }
  }
}
