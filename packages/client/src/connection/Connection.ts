import {
  ChunkError,
  ChunkErrorCode,
  CloseCode,
  DocChunkAssembler,
  decodeServerMessage,
  encodeClientMessage,
  FINAL_CLOSE_CODES,
  HEARTBEAT_PROTOCOL_VERSION,
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
  /**
   * No socket; the next attempt is at `retryAt`, or (no `retryAt`) when the device says its
   * network is back.
   */
  | { kind: 'waiting'; retryAt?: number }
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
  /**
   * While welcomed by a server that answers pings (protocol ≥ 2), a `ping` goes out this
   * often; 0 turns the heartbeat off.
   * @default 5000
   */
  heartbeatIntervalMs?: number;
  /**
   * No frame at all from the server this long after a ping: the path is dead though the
   * socket looks open (half-open network). The socket is abandoned and the client
   * reconnects with backoff.
   * @default 5000
   */
  heartbeatTimeoutMs?: number;
  /**
   * Does the device have a network (the browser's `navigator.onLine`)? While it says no, no
   * socket is attempted: each attempt would only fail (and the browser logs every failure)
   * until the network is back, which `networkBack()` is told. "Yes" is no promise, so
   * attempts keep their backoff then.
   * @default always yes
   */
  isOnline?: () => boolean;
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
  readonly #heartbeatIntervalMs: number;
  readonly #heartbeatTimeoutMs: number;
  readonly #isOnline: () => boolean;
  /** The welcomed server answers pings. */
  #heartbeat = false;
  #pingTimer: unknown = null;
  /**
   * Armed by a ping, disarmed by any frame from the server. `passed`: the timer fired and
   * the verdict waits one turn, so frames that arrived meanwhile are read first.
   */
  #deadline: { timer: unknown; at: number; extended: boolean; passed: boolean } | null = null;
  #nonce = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#stableAfterMs = options.stableAfterMs ?? 10_000;
    this.#welcomeTimeoutMs = options.welcomeTimeoutMs ?? 15_000;
    this.#chunks = new DocChunkAssembler(options.maxReassemblyBytes);
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.#heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5000;
    this.#isOnline = options.isOnline ?? (() => true);
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

  /** Since when the current socket is welcomed (clock ms); null while not ready. */
  get readySince(): number | null {
    return this.#readyAt;
  }

  /** Identifies the current socket; work started for one socket checks it is still current. */
  get epoch(): number {
    return this.#epoch;
  }

  start(): void {
    this.#connectWhenOnline();
  }

  /** Connect now: skips a pending backoff delay, or retries after a final error. */
  connectNow(): void {
    if (this.#state.kind === 'ready' || this.#state.kind === 'connecting') return;
    this.#clearTimer();
    void this.#connect();
  }

  /**
   * Is the server still there? Pings now (when the server answers pings), so a dead path
   * is noticed within the heartbeat timeout rather than at the next periodic ping: on the
   * browser's `online` event (the network changed under the socket) and when local changes
   * wait too long for their ack.
   */
  probe(): void {
    if (this.#state.kind === 'ready' && this.#heartbeat) this.#ping();
  }

  /**
   * The browser says the network is gone (`offline`): the socket cannot carry anything, even
   * if it looks open. Abandoned at once; no new attempt until the network is back (while
   * `isOnline` says so; else with the usual backoff).
   */
  networkLost(): void {
    if (this.#state.kind !== 'ready' && this.#state.kind !== 'connecting') return;
    this.#log('network_lost', {});
    this.#abandon('network lost');
  }

  /**
   * The browser says the network is back (`online`): a ready socket is probed (it may not
   * have survived the change); otherwise connect now, from the base backoff delay.
   */
  networkBack(): void {
    if (this.#state.kind === 'ready') {
      this.probe();
      return;
    }
    if (this.#state.kind === 'stopped') return;
    this.#backoff.reset();
    this.connectNow();
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
    this.#stopHeartbeat();
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
    this.#stopHeartbeat();
    this.#clearWelcomeTimer();
    this.#welcomeTimer = this.#options.clock.setTimeout(() => {
      this.#welcomeTimer = null;
      if (epoch !== this.#epoch || this.#state.kind === 'ready') return;
      this.#log('welcome_timeout', {});
      this.#abandon('no welcome');
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
    // Any frame shows the path carries data, also one queued behind a long first sync.
    this.#alive();
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
      this.#heartbeat =
        this.#heartbeatIntervalMs > 0 && message.protocolVersion >= HEARTBEAT_PROTOCOL_VERSION;
      this.#schedulePing();
      this.#setState({ kind: 'ready', welcome: message });
      this.#options.onReady(message);
      return;
    }
    if (this.#state.kind !== 'ready') {
      this.#log('frame_before_welcome', { type: message.type });
      return;
    }
    if (message.type === MessageType.pong) return; // #alive() above is all it is for
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
    this.#stopHeartbeat();
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
    if (!this.#isOnline()) {
      this.#waitForNetwork();
      return;
    }
    const delay = this.#backoff.next();
    const retryAt = this.#options.clock.now() + delay;
    this.#offlineSince ??= this.#options.clock.now();
    this.#setState({ kind: 'waiting', retryAt });
    this.#clearTimer();
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = null;
      this.#connectWhenOnline();
    }, delay);
  }

  /** Connects, unless the device has no network: then waits for `networkBack()`. */
  #connectWhenOnline(): void {
    if (this.#isOnline()) void this.#connect();
    else this.#waitForNetwork();
  }

  #waitForNetwork(): void {
    this.#clearTimer();
    this.#offlineSince ??= this.#options.clock.now();
    this.#log('waiting_for_network', {});
    this.#setState({ kind: 'waiting' });
  }

  /**
   * Gives up on the current socket without waiting for its close event: on a dead path the
   * closing handshake can take a minute. Its late events are ignored (epoch).
   */
  #abandon(reason: string): void {
    const socket = this.#socket;
    this.#epoch++;
    socket?.close(CloseCode.normal, reason);
    this.#onClose(CloseCode.normal, reason);
  }

  // ── heartbeat ─────────────────────────────────────────────────────────────────────────

  #schedulePing(): void {
    if (this.#pingTimer !== null) this.#options.clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = null;
    if (!this.#heartbeat) return;
    this.#pingTimer = this.#options.clock.setTimeout(() => {
      this.#pingTimer = null;
      this.#ping();
    }, this.#heartbeatIntervalMs);
  }

  #ping(): void {
    this.#nonce = (this.#nonce + 1) % 2 ** 31;
    if (!this.send(encodeClientMessage({ type: MessageType.ping, nonce: this.#nonce }))) return;
    // An earlier unanswered ping keeps its deadline: asking again does not buy time.
    if (this.#deadline === null) this.#armDeadline(false);
    this.#schedulePing();
  }

  #armDeadline(extended: boolean): void {
    const { clock } = this.#options;
    const at = clock.now() + this.#heartbeatTimeoutMs;
    const timer = clock.setTimeout(() => this.#deadlinePassed(), this.#heartbeatTimeoutMs);
    this.#deadline = { timer, at, extended, passed: false };
  }

  /**
   * The timer fired. After a long task the answer may be waiting in the socket, and timers
   * can run before it is read: the verdict comes one timer turn later (a frame read
   * meanwhile disarms it, in #alive).
   */
  #deadlinePassed(): void {
    const deadline = this.#deadline;
    if (!deadline || deadline.passed) return;
    deadline.passed = true;
    deadline.timer = this.#options.clock.setTimeout(() => this.#verdict(), 0);
  }

  #verdict(): void {
    const deadline = this.#deadline;
    this.#deadline = null;
    if (!deadline || this.#state.kind !== 'ready') return;
    // A timer that fires far too late means this page was not running (a long task, a
    // frozen or throttled tab, a laptop waking up): the server had no fair chance. One more
    // ping and deadline before concluding that the path is dead.
    const lateBy = this.#options.clock.now() - deadline.at;
    if (lateBy > Math.min(1000, this.#heartbeatTimeoutMs / 2) && !deadline.extended) {
      this.#armDeadline(true);
      this.#ping();
      return;
    }
    this.#log('heartbeat_timeout', { timeoutMs: this.#heartbeatTimeoutMs });
    this.#abandon('heartbeat timeout');
  }

  #alive(): void {
    if (this.#deadline === null) return;
    this.#options.clock.clearTimeout(this.#deadline.timer);
    this.#deadline = null;
  }

  #stopHeartbeat(): void {
    this.#alive();
    if (this.#pingTimer !== null) this.#options.clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = null;
    this.#heartbeat = false;
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
