import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';

export interface ClientOptions {
  /**
   * The client's local copies, by doc id: answers the server's sync step 1 from them and,
   * with `applyRemote`, applies what arrives (the catch-up scenarios need real replicas; the
   * latency scenarios skip that work so the load generator stays light).
   */
  readonly docs: ReadonlyMap<string, Y.Doc>;
  readonly applyRemote: boolean;
  /** Called for every update (or sync step 2) that arrives for a doc, at arrival time. */
  readonly onUpdate?: (docId: string, update: Uint8Array, at: number) => void;
  /**
   * Send each held doc's whole state as an update before the sync step 1, so that "synced"
   * implies the server has applied it (servers handle a socket's frames in order).
   */
  readonly pushOnOpen?: boolean;
  /** Our server acknowledges durably stored updates; the others never call this. */
  readonly onAck?: (docId: string, count: number) => void;
}

/**
 * One load-generator socket. The wire dialect (y-websocket, Hocuspocus, our multiplexed
 * /sync) is a subclass; this base owns the socket, the byte counters and the "initial sync
 * done" promise, so scenarios never see a dialect.
 */
export abstract class BenchClient {
  protected readonly ws: WebSocket;
  /** Resolves once every doc of this client has received the server's sync step 2. */
  readonly synced: Promise<void>;
  private readonly pending: Set<string>;
  private resolveSynced!: () => void;
  private rejectSynced!: (err: Error) => void;
  private tcp: Socket | null = null;
  private readonly closed: Promise<void>;
  /** How the server closed this socket, if it did (`code reason`); null while open or closed by us. */
  closedBy: string | null = null;
  #closing = false;

  constructor(
    url: string,
    syncingDocs: readonly string[],
    protected readonly options: ClientOptions,
  ) {
    this.pending = new Set(syncingDocs);
    this.synced = new Promise((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // Callers await `synced`; make sure an early failure is never an unhandled rejection.
    this.synced.catch(() => undefined);
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('upgrade', (res) => (this.tcp = res.socket));
    this.ws.on('open', () => this.onOpen());
    this.ws.on('message', (data: Buffer) =>
      this.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
    );
    this.ws.on('error', (err) => this.rejectSynced(err));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        if (!this.#closing) this.closedBy = `${code} ${reason.toString()}`.trim();
        this.rejectSynced(new Error(`socket closed before sync (${code} ${reason.toString()})`));
        resolve();
      }),
    );
  }

  abstract sendUpdate(docId: string, update: Uint8Array): void;
  protected abstract onOpen(): void;
  protected abstract onMessage(data: Uint8Array): void;

  /** A refusal the scenario cannot work around: fail its wait for sync. */
  protected fail(err: Error): void {
    this.rejectSynced(err);
  }

  protected markSynced(docId: string): void {
    this.pending.delete(docId);
    if (this.pending.size === 0) this.resolveSynced();
  }

  protected send(frame: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Hands a received update to the local replica (if applying) and to the scenario. */
  protected received(docId: string, update: Uint8Array): void {
    const at = performance.now();
    if (this.options.applyRemote) {
      const doc = this.options.docs.get(docId);
      if (doc) Y.applyUpdate(doc, update, 'remote');
    }
    this.options.onUpdate?.(docId, update, at);
  }

  /** The diff of a local replica against a state vector (empty doc if none is held). */
  protected diffFor(docId: string, stateVector: Uint8Array): Uint8Array {
    const doc = this.options.docs.get(docId);
    return doc ? Y.encodeStateAsUpdate(doc, stateVector) : Y.encodeStateAsUpdate(new Y.Doc());
  }

  /** The whole local state of a doc, for `pushOnOpen`; null when empty or not held. */
  protected pushFor(docId: string): Uint8Array | null {
    if (!this.options.pushOnOpen) return null;
    const doc = this.options.docs.get(docId);
    return doc ? Y.encodeStateAsUpdate(doc) : null;
  }

  protected stateVectorOf(docId: string): Uint8Array {
    const doc = this.options.docs.get(docId);
    return doc ? Y.encodeStateVector(doc) : new Uint8Array([0]);
  }

  /** Bytes on the wire in both directions, HTTP upgrade and WebSocket framing included. */
  bytes(): { sent: number; received: number } {
    return { sent: this.tcp?.bytesWritten ?? 0, received: this.tcp?.bytesRead ?? 0 };
  }

  close(): Promise<void> {
    this.#closing = true;
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000);
    return this.closed;
  }
}
