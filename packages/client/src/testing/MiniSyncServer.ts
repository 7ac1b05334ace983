import type { AddressInfo } from 'node:net';
import {
  decodeClientMessage,
  DocAccess,
  encodeDocFrame,
  encodeServerMessage,
  MessageType,
  parseDocId,
  PROTOCOL_VERSION,
  YMessageType,
} from '@desk/protocol';
import type { ClientMessage, DocErrorCode, ServerMessage } from '@desk/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export interface MiniSyncServerOptions {
  port?: number;
  generation?: string;
  /** Per-doc decision at subscribe time. @default write for every doc */
  access?: (docId: string) => DocAccess | DocErrorCode;
  /** Refuses an incoming update whole with this code, or accepts it (null). */
  refuse?: (docId: string, update: Uint8Array) => { code: DocErrorCode; message: string } | null;
}

interface Peer {
  socket: WebSocket;
  subscriptions: Map<string, DocAccess>;
}

/**
 * A minimal server speaking the `/sync` protocol (PROTOCOL.md) in memory, for the client's
 * own tests: what the real server does on the wire, without persistence or auth. It counts
 * what clients send, so tests can assert how many docs a reconnect exchanged.
 */
export class MiniSyncServer {
  readonly docs = new Map<string, Y.Doc>();
  /** Every client message received, in order. */
  readonly received: ClientMessage[] = [];
  generation: string;
  /** When true, acks are held until `releaseAcks()` (to observe pending changes). */
  holdAcks = false;
  readonly #options: MiniSyncServerOptions;
  readonly #wss: WebSocketServer;
  readonly #peers = new Set<Peer>();
  readonly #seqByWorkspace = new Map<string, number>();
  readonly #seqByDoc = new Map<string, number>();
  readonly #heldAcks: Array<{ peer: Peer; docId: string }> = [];

  private constructor(wss: WebSocketServer, options: MiniSyncServerOptions) {
    this.#wss = wss;
    this.#options = options;
    this.generation = options.generation ?? 'gen-1';
    wss.on('connection', (socket) => this.#accept(socket));
  }

  static start(options: MiniSyncServerOptions = {}): Promise<MiniSyncServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ port: options.port ?? 0, host: '127.0.0.1' });
      wss.once('listening', () => resolve(new MiniSyncServer(wss, options)));
      wss.once('error', reject);
    });
  }

  get port(): number {
    return (this.#wss.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/sync`;
  }

  get connections(): number {
    return this.#peers.size;
  }

  doc(docId: string): Y.Doc {
    let doc = this.docs.get(docId);
    if (!doc) {
      doc = new Y.Doc();
      doc.on('update', (update: Uint8Array, origin: unknown) =>
        this.#changed(docId, update, origin),
      );
      this.docs.set(docId, doc);
    }
    return doc;
  }

  /** Docs a client subscribed to since `from` (an index into `received`). */
  subscribedDocs(from = 0): string[] {
    return this.received
      .slice(from)
      .flatMap((message) => (message.type === MessageType.subscribe ? [message.docId] : []));
  }

  releaseAcks(): void {
    this.holdAcks = false;
    for (const { peer, docId } of this.#heldAcks.splice(0)) this.#ack(peer, docId);
  }

  /** Sends the `error` frame and closes every socket with `code` (1012: restarting). */
  closeAll(code: number, message = 'closing'): void {
    for (const peer of this.#peers) {
      this.#send(peer, { type: MessageType.error, code, message });
      peer.socket.close(code, message);
    }
  }

  async stop(): Promise<void> {
    for (const peer of this.#peers) peer.socket.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    for (const doc of this.docs.values()) doc.destroy();
  }

  #accept(socket: WebSocket): void {
    const peer: Peer = { socket, subscriptions: new Map() };
    this.#peers.add(peer);
    socket.on('close', () => this.#peers.delete(peer));
    socket.on('message', (data: Buffer) => {
      const message = decodeClientMessage(new Uint8Array(data));
      this.received.push(message);
      this.#handle(peer, message);
    });
  }

  #handle(peer: Peer, message: ClientMessage): void {
    switch (message.type) {
      case MessageType.hello:
        this.#send(peer, {
          type: MessageType.welcome,
          protocolVersion: PROTOCOL_VERSION,
          generation: this.generation,
          userId: 'user-1',
        });
        break;
      case MessageType.subscribe: {
        const access = this.#options.access?.(message.docId) ?? DocAccess.write;
        if (typeof access === 'string') {
          this.#send(peer, {
            type: MessageType.docError,
            docId: message.docId,
            code: access,
            message: 'refused',
          });
          break;
        }
        peer.subscriptions.set(message.docId, access);
        this.#send(peer, { type: MessageType.subscribed, docId: message.docId, access });
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, YMessageType.sync);
        syncProtocol.writeSyncStep1(encoder, this.doc(message.docId));
        this.#sendDoc(peer, message.docId, encoding.toUint8Array(encoder));
        break;
      }
      case MessageType.unsubscribe:
        peer.subscriptions.delete(message.docId);
        break;
      case MessageType.catchUp: {
        // As the real server: a client that has no generation yet ('') gets a full answer.
        const full = message.generation !== this.generation;
        const changed = [...this.#seqByDoc]
          .filter(([docId, seq]) => {
            return (
              parseDocId(docId)?.workspaceId === message.workspaceId &&
              !full &&
              seq > message.sinceSeq
            );
          })
          .map(([docId, seq]) => ({ docId, seq }));
        this.#send(peer, {
          type: MessageType.catchUpResult,
          workspaceId: message.workspaceId,
          generation: this.generation,
          seq: this.#seqByWorkspace.get(message.workspaceId) ?? 0,
          full,
          changed,
        });
        break;
      }
      case MessageType.doc:
        this.#handleDoc(peer, message.docId, message.payload);
        break;
      case MessageType.ping:
        this.#send(peer, { type: MessageType.pong, nonce: message.nonce });
        break;
      default:
        throw new Error(`unexpected ${JSON.stringify(message)}`);
    }
  }

  #handleDoc(peer: Peer, docId: string, payload: Uint8Array): void {
    const access = peer.subscriptions.get(docId);
    if (access === undefined) return;
    const decoder = decoding.createDecoder(payload);
    const yType = decoding.readVarUint(decoder);
    if (yType === YMessageType.awareness) {
      for (const other of this.#peers) {
        if (other !== peer && other.subscriptions.has(docId)) this.#sendDoc(other, docId, payload);
      }
      return;
    }
    if (yType !== YMessageType.sync) return;
    const kind = decoding.readVarUint(decoder);
    const data = decoding.readVarUint8Array(decoder);
    if (kind === syncProtocol.messageYjsSyncStep1) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, YMessageType.sync);
      syncProtocol.writeSyncStep2(encoder, this.doc(docId), data);
      this.#sendDoc(peer, docId, encoding.toUint8Array(encoder));
      return;
    }
    const refusal =
      access === DocAccess.read
        ? { code: 'read_only_role' as const, message: 'viewers cannot edit' }
        : (this.#options.refuse?.(docId, data) ?? null);
    if (refusal) {
      this.#send(peer, { type: MessageType.docError, docId, ...refusal });
      return;
    }
    Y.applyUpdate(this.doc(docId), data, peer);
    if (this.holdAcks) this.#heldAcks.push({ peer, docId });
    else this.#ack(peer, docId);
  }

  #changed(docId: string, update: Uint8Array, origin: unknown): void {
    const workspaceId = parseDocId(docId)?.workspaceId ?? '';
    const seq = (this.#seqByWorkspace.get(workspaceId) ?? 0) + 1;
    this.#seqByWorkspace.set(workspaceId, seq);
    this.#seqByDoc.set(docId, seq);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessageType.sync);
    syncProtocol.writeUpdate(encoder, update);
    const payload = encoding.toUint8Array(encoder);
    for (const peer of this.#peers) {
      if (peer !== origin && peer.subscriptions.has(docId)) this.#sendDoc(peer, docId, payload);
    }
  }

  #ack(peer: Peer, docId: string): void {
    this.#send(peer, { type: MessageType.ack, docId, count: 1 });
  }

  #sendDoc(peer: Peer, docId: string, payload: Uint8Array): void {
    if (peer.socket.readyState === peer.socket.OPEN)
      peer.socket.send(encodeDocFrame(docId, payload));
  }

  #send(peer: Peer, message: ServerMessage): void {
    if (peer.socket.readyState === peer.socket.OPEN) peer.socket.send(encodeServerMessage(message));
  }
}
