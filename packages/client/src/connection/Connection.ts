import {
  ChunkError,
  ChunkErrorCode,
  CloseCode,
  DocChunkAssembler,
  decodeServerMessage,
  encodeClientMessage,
  FINAL_CLOSE_CODES,
  MessageType,
  PROTOCOL_VERSION,
  ProtocolError,
} from '@desk/protocol';
import type { ServerMessage, WelcomeMessage } from '@desk/protocol';
import { Backoff } from './Backoff.ts';
import type { BackoffOptions } from './Backoff.ts';
import type { Clock } from './Clock.ts';
import { toBytes, WS_OPEN } from './WebSocketLike.ts';
import type { WebSocketConstructor, WebSocketLike } from './WebSocketLike.ts';

export type ConnectionState =
  /** A socket is opening, or open and waiting for the server's welcome. */
  | { kind: 'connecting' }
  /** Welcomed: frames flow. */
  | { kind: 'ready'; welcome: WelcomeMessage }
  /** No socket; the next attempt is at `retryAt`. */
  | { kind: 'waiting'; retryAt: number }
  /** Not retrying: a final close code (`error`) or the client was closed. */
  | { kind: 'stopped'; error?: { code: number; message: string } };

export interface ConnectionOptions {
  /** The `/sync` WebSocket URL, or a function giving it (e.g. with a fresh token). */
  url: string | (() => string | Promise<string>);
  WebSocket: WebSocketConstructor;
  clock: Clock;
  backoff?: BackoffOptions;
  /**
   * A connection that stayed up this long resets the backoff, so a drop after hours of
   * service retries quickly while a flapping server sees growing delays.
   * @default 10000
   */
  stableAfterMs?: number;
  /**
   * A socket without a welcome after this long is closed and retried (a proxy that accepts
   * and then says nothing would otherwise leave the client "connecting" forever).
   * @default 15000
   */
  welcomeTimeoutMs?: number;
  /**
   * Bound on the bytes held for first-sync messages still arriving in docChunk pieces; a
   * bigger one closes the socket with 4413.
   * @default DEFAULT_MAX_REASSEMBLY_BYTES (1 GiB)
   */
  maxReassemblyBytes?: number;
  onReady(welcome: WelcomeMessage): void;
  /** Every server frame after the welcome (docChunk pieces arrive as one doc message). */
  onMessage(message: ServerMessage): void;
  /** The ready connection is gone (the client marks every subscription as lost). */
  onDown(): void;
  onStateChange(): void;
  onLog?(event: string, details: Record<string, unknown>): void;
}

/**
 * Owns the one socket: connect, hello → welcome, decode frames, reconnect with jittered
 * exponential backoff, stop on final close codes. Knows nothing about documents.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #backoff: Backoff;
  readonly #stableAfterMs: number;
  readonly #welcomeTimeoutMs: number;
  #welcomeTimer: unknown = null;
  #state: ConnectionState = { kind: 'connecting' };
  #socket: WebSocketLike | null = null;
  #timer: unknown = null;
  #readyAt: number | null = null;
  #offlineSince: number | undefined;
  /** The server's words from an `error` frame, used as the reason of the close that follows. */
  #serverError: string | null = null;
  /** Bumped per socket so events of an abandoned socket are ignored. */
  #epoch = 0;
  /** Pieces of chunked doc messages of the current socket. */
  #chunks: DocChunkAssembler;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#stableAfterMs = options.stableAfterMs ?? 10_000;
    this.#welcomeTimeoutMs = options.welcomeTimeoutMs ?? 15_000;
    this.#chunks = new DocChunkAssembler(options.maxReassemblyBytes);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get offlineSince(): number | undefined {
    return this.#offlineSince;
  }

  get isReady(): boolean {
    return this.#state.kind === 'ready';
  }

  /** Identifies the current socket; work started for one socket checks it is still current. */
  get epoch(): number {
    return this.#epoch;
  }

  start(): void {
    void this.#connect();
  }

  /** Connect now: skips a pending backoff delay, or retries after a final error. */
  connectNow(): void {
    if (this.#state.kind === 'ready' || this.#state.kind === 'connecting') return;
    this.#clearTimer();
    void this.#connect();
  }

  /** Sends a frame if the connection is ready; returns whether it was sent. */
  send(frame: Uint8Array): boolean {
    if (this.#state.kind !== 'ready' || !this.#socket || this.#socket.readyState !== WS_OPEN) {
      return false;
    }
    this.#socket.send(frame);
    return true;
  }

  /** Closes and stays offline until `connectNow()` (client.close(), client.disconnect()). */
  stop(): void {
    this.#clearTimer();
    this.#clearWelcomeTimer();
    const wasReady = this.#state.kind === 'ready';
    if (this.#state.kind !== 'stopped') this.#offlineSince ??= this.#options.clock.now();
    this.#readyAt = null;
    this.#epoch++;
    this.#setState({ kind: 'stopped' });
    this.#socket?.close(CloseCode.normal, 'client closed');
    this.#socket = null;
    if (wasReady) this.#options.onDown();
  }

  async #connect(): Promise<void> {
    const epoch = ++this.#epoch;
    this.#setState({ kind: 'connecting' });
    let url: string;
    try {
      url = typeof this.#options.url === 'string' ? this.#options.url : await this.#options.url();
    } catch (err) {
      this.#log('url_failed', { error: String(err) });
      if (epoch === this.#epoch) this.#scheduleRetry();
      return;
    }
    if (epoch !== this.#epoch) return;
    let socket: WebSocketLike;
    try {
      socket = new this.#options.WebSocket(url);
    } catch (err) {
      this.#log('socket_failed', { error: String(err) });
      this.#scheduleRetry();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#chunks.clear();
    this.#serverError = null;
    this.#clearWelcomeTimer();
    this.#welcomeTimer = this.#options.clock.setTimeout(() => {
      this.#welcomeTimer = null;
      if (epoch !== this.#epoch || this.#state.kind === 'ready') return;
      this.#log('welcome_timeout', {});
      this.#epoch++;
      socket.close(CloseCode.normal, 'no welcome');
      this.#onClose(CloseCode.normal, 'no welcome');
    }, this.#welcomeTimeoutMs);
    socket.addEventListener('open', () => {
      if (epoch !== this.#epoch) return;
      socket.send(
        encodeClientMessage({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }),
      );
    });
    socket.addEventListener('message', (event) => {
      if (epoch === this.#epoch) this.#onFrame(socket, event.data);
    });
    socket.addEventListener('close', (event) => {
      if (epoch === this.#epoch) this.#onClose(event.code, event.reason);
    });
    // 'error' is always followed by 'close'; the close decides what happens next.
    socket.addEventListener('error', () => undefined);
  }

  #onFrame(socket: WebSocketLike, data: unknown): void {
    const bytes = toBytes(data);
    let message: ServerMessage;
    try {
      if (!bytes) throw new ProtocolError('text frame on a binary protocol');
      message = decodeServerMessage(bytes);
    } catch (err) {
      this.#log('malformed_frame', { error: String(err) });
      socket.close(CloseCode.malformedFrame, 'malformed frame');
      return;
    }
    if (message.type === MessageType.error) {
      this.#serverError = message.message;
      return;
    }
    if (message.type === MessageType.welcome) {
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        this.#serverError = `server speaks protocol ${message.protocolVersion}, client ${PROTOCOL_VERSION}`;
        socket.close(CloseCode.protocolVersion, 'protocol version');
        return;
      }
      this.#clearWelcomeTimer();
      this.#readyAt = this.#options.clock.now();
      this.#offlineSince = undefined;
      this.#setState({ kind: 'ready', welcome: message });
      this.#options.onReady(message);
      return;
    }
    if (this.#state.kind !== 'ready') {
      this.#log('frame_before_welcome', { type: message.type });
      return;
    }
    if (message.type === MessageType.docChunk) {
      let whole: Uint8Array | null;
      try {
        whole = this.#chunks.add(message);
      } catch (err) {
        if (!(err instanceof ChunkError)) throw err;
        this.#log('chunk_refused', { docId: err.docId, code: err.code, error: err.message });
        const tooLarge = err.code === ChunkErrorCode.tooLarge;
        socket.close(
          tooLarge ? CloseCode.messageTooLarge : CloseCode.malformedFrame,
          tooLarge ? 'message too large' : 'malformed frame',
        );
        return;
      }
      if (whole)
        this.#options.onMessage({ type: MessageType.doc, docId: message.docId, payload: whole });
      return;
    }
    this.#options.onMessage(message);
  }

  #onClose(code: number, reason: string): void {
    this.#clearWelcomeTimer();
    const wasReady = this.#state.kind === 'ready';
    this.#socket = null;
    const now = this.#options.clock.now();
    if (this.#readyAt !== null && now - this.#readyAt >= this.#stableAfterMs) this.#backoff.reset();
    this.#readyAt = null;
    this.#chunks.clear();
    this.#offlineSince ??= now;
    const message = this.#serverError ?? reason;
    this.#log('closed', { code, reason: message });
    if (FINAL_CLOSE_CODES.has(code)) {
      this.#epoch++;
      this.#setState({ kind: 'stopped', error: { code, message } });
    } else {
      this.#scheduleRetry();
    }
    if (wasReady) this.#options.onDown();
  }

  #scheduleRetry(): void {
    const delay = this.#backoff.next();
    const retryAt = this.#options.clock.now() + delay;
    this.#offlineSince ??= this.#options.clock.now();
    this.#setState({ kind: 'waiting', retryAt });
    this.#clearTimer();
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, delay);
  }

  #clearWelcomeTimer(): void {
    if (this.#welcomeTimer !== null) this.#options.clock.clearTimeout(this.#welcomeTimer);
    this.#welcomeTimer = null;
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#options.onStateChange();
  }

  #log(event: string, details: Record<string, unknown>): void {
    this.#options.onLog?.(event, details);
  }
}
