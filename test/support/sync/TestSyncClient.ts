import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  DocChunkAssembler,
  MessageType,
  PROTOCOL_VERSION,
  YMessageType,
  decodeServerMessage,
  encodeClientMessage,
  encodeDocFrame,
  type CatchUpResultMessage,
  type ServerMessage,
} from '@desk/protocol';

/**
 * How long a wait on the server's messages may take: a deadline, not a speed. Under the
 * system tests' 120 s timeout, so a hang fails naming what it waited for.
 */
const WAIT_DEADLINE_MS = 90_000;

export interface TestClientOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  /** Skip the hello (to test what the server does without it). */
  noHello?: boolean;
  protocolVersion?: number;
}

interface DocState {
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness | null;
  /** Server messages of this doc received (sync step 2 answers). */
  step2Received: number;
  acked: number;
  sent: number;
  onUpdate: (update: Uint8Array, origin: unknown) => void;
}

/**
 * A minimal client of the multiplexed protocol for server tests: raw frames when a test
 * needs them, real Y.Docs wired with y-protocols otherwise. Every server message is kept
 * in `messages`; waits resolve on events, never on timers.
 */
export class TestSyncClient {
  readonly messages: ServerMessage[] = [];
  readonly docs = new Map<string, DocState>();
  readonly closed: Promise<{ code: number; reason: string }>;
  #listeners = new Set<() => void>();
  #closeInfo: { code: number; reason: string } | null = null;
  readonly #chunks = new DocChunkAssembler();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.#closeInfo = { code, reason: reason.toString() };
        resolve(this.#closeInfo);
        this.#notify();
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => this.#receive(new Uint8Array(data)));
  }

  static async connect(baseUrl: string, options: TestClientOptions = {}): Promise<TestSyncClient> {
    const url = new URL('/sync', baseUrl.replace(/^http/, 'ws'));
    if (options.token !== undefined) url.searchParams.set('token', options.token);
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    const ws = new WebSocket(url, {
      headers,
      ...(options.origin ? { origin: options.origin } : {}),
    });
    const client = new TestSyncClient(ws);
    await new Promise<void>((resolve) => {
      ws.once('open', () => resolve());
      ws.once('close', () => resolve());
    });
    if (!options.noHello && ws.readyState === WebSocket.OPEN) {
      client.send({
        type: MessageType.hello,
        protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
      });
      if (options.protocolVersion === undefined) {
        // A refused socket closes instead; the test reads `closed` for the code.
        await client.waitFor((m) => m.type === MessageType.welcome).catch(() => undefined);
      }
    }
    return client;
  }

  get closeInfo(): { code: number; reason: string } | null {
    return this.#closeInfo;
  }

  send(message: Parameters<typeof encodeClientMessage>[0]): void {
    this.sendRaw(encodeClientMessage(message));
  }

  sendRaw(bytes: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  /** Subscribes `doc` under `docId`: subscribe, sync step 1, then every local change. */
  subscribe(docId: string, doc = new Y.Doc(), withAwareness = false): Y.Doc {
    const state: DocState = {
      doc,
      awareness: withAwareness ? new awarenessProtocol.Awareness(doc) : null,
      step2Received: 0,
      acked: 0,
      sent: 0,
      onUpdate: (update, origin) => {
        if (origin === this) return;
        state.sent++;
        this.sendDoc(docId, syncMessage(syncProtocol.writeUpdate, update));
      },
    };
    this.docs.set(docId, state);
    doc.on('update', state.onUpdate);
    this.send({ type: MessageType.subscribe, docId });
    this.sendDoc(docId, syncMessage(syncProtocol.writeSyncStep1, doc));
    if (state.awareness) {
      state.awareness.on(
        'update',
        ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
          if (origin === this) return;
          const changed = [...added, ...updated, ...removed];
          const encoder = encoding.createEncoder();
          encoding.writeVarUint(encoder, YMessageType.awareness);
          encoding.writeVarUint8Array(
            encoder,
            awarenessProtocol.encodeAwarenessUpdate(state.awareness!, changed),
          );
          this.sendDoc(docId, encoding.toUint8Array(encoder));
        },
      );
    }
    return doc;
  }

  unsubscribe(docId: string): void {
    const state = this.docs.get(docId);
    if (state) {
      state.doc.off('update', state.onUpdate);
      state.awareness?.destroy();
    }
    this.docs.delete(docId);
    this.send({ type: MessageType.unsubscribe, docId });
  }

  sendDoc(docId: string, payload: Uint8Array): void {
    this.sendRaw(encodeDocFrame(docId, payload));
  }

  awareness(docId: string): awarenessProtocol.Awareness {
    return this.docs.get(docId)!.awareness!;
  }

  /** Resolves once the server answered this doc's sync step 1. */
  synced(docId: string): Promise<unknown> {
    return this.until(
      () => (this.docs.get(docId)?.step2Received ?? 0) > 0,
      `the server's step 2 of ${docId}`,
    );
  }

  /** Resolves once every update this client sent for the doc has been acked. */
  allAcked(docId: string): Promise<unknown> {
    return this.until(() => {
      const state = this.docs.get(docId);
      return state !== undefined && state.acked >= state.sent;
    }, `every update of ${docId} acked`);
  }

  async catchUp(
    workspaceId: string,
    sinceSeq: number,
    generation: string,
  ): Promise<CatchUpResultMessage> {
    const from = this.messages.length;
    this.send({ type: MessageType.catchUp, workspaceId, sinceSeq, generation });
    return (await this.waitFor(
      (m) => m.type === MessageType.catchUpResult && m.workspaceId === workspaceId,
      from,
    )) as CatchUpResultMessage;
  }

  /**
   * The first message (from index `from`) matching `predicate`; rejects if the socket closes
   * first, or after `timeoutMs` (a deadline that names the wait instead of a silent hang).
   */
  waitFor(
    predicate: (m: ServerMessage) => boolean,
    from = 0,
    timeoutMs = WAIT_DEADLINE_MS,
  ): Promise<ServerMessage> {
    return this.#wait('a matching message', timeoutMs, (resolve) => {
      const found = this.messages.slice(from).find(predicate);
      if (found) resolve(found);
      return found !== undefined;
    });
  }

  /**
   * Resolves when `condition` holds after some server message (or right away); rejects if
   * the socket closes first, or naming `what` after `timeoutMs`.
   */
  until(
    condition: () => boolean,
    what = 'a condition',
    timeoutMs = WAIT_DEADLINE_MS,
  ): Promise<void> {
    return this.#wait(what, timeoutMs, (resolve) => {
      const holds = condition();
      if (holds) resolve();
      return holds;
    });
  }

  /** Checks `done` now and after every message, until it holds, the socket closes or the deadline. */
  #wait<T>(
    what: string,
    timeoutMs: number,
    done: (resolve: (value: T) => void) => boolean,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        this.#listeners.delete(check);
        clearTimeout(deadline);
      };
      const check = () => {
        if (done((value) => (finish(), resolve(value)))) return;
        if (this.#closeInfo) {
          finish();
          reject(new Error(`socket closed (${this.#closeInfo.code}) before ${what}`));
        }
      };
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      deadline.unref();
      this.#listeners.add(check);
      check();
    });
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }

  #receive(frame: Uint8Array): void {
    const message = decodeServerMessage(frame);
    this.messages.push(message);
    if (message.type === MessageType.ack) {
      const state = this.docs.get(message.docId);
      if (state) state.acked += message.count;
    } else if (message.type === MessageType.doc) {
      this.#receiveDoc(message.docId, message.payload);
    } else if (message.type === MessageType.docChunk) {
      const whole = this.#chunks.add(message);
      if (whole) this.#receiveDoc(message.docId, whole);
    }
    this.#notify();
  }

  #receiveDoc(docId: string, payload: Uint8Array): void {
    const state = this.docs.get(docId);
    if (!state) return;
    const decoder = decoding.createDecoder(payload);
    const type = decoding.readVarUint(decoder);
    if (type === YMessageType.sync) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, YMessageType.sync);
      const syncType = syncProtocol.readSyncMessage(decoder, encoder, state.doc, this);
      if (syncType === syncProtocol.messageYjsSyncStep2) state.step2Received++;
      if (encoding.length(encoder) > 1) {
        // Our sync step 2 answering the server's step 1 counts as a sent update (acked).
        state.sent++;
        this.sendDoc(docId, encoding.toUint8Array(encoder));
      }
    } else if (type === YMessageType.awareness && state.awareness) {
      awarenessProtocol.applyAwarenessUpdate(
        state.awareness,
        decoding.readVarUint8Array(decoder),
        this,
      );
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

function syncMessage<T>(
  write: (encoder: encoding.Encoder, value: T) => void,
  value: T,
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YMessageType.sync);
  write(encoder, value);
  return encoding.toUint8Array(encoder);
}
