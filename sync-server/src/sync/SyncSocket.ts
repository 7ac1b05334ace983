import type { WebSocket } from 'ws';
import { directSocketOf, frameOf, maxPreframedBytes, writeInTurn } from './wsFrame.ts';

/**
 * The transport as connections see it. Rooms and connections never touch `ws` directly, so a
 * test or another transport (uWebSockets, a worker port) only implements this.
 */
export interface SyncSocket {
  /**
   * Sends one binary frame; a no-op once the socket is closing. `onWritten` is called once
   * the frame has left the send buffer (handed to the kernel) or the socket failed: flow
   * control for the server's own large sends.
   */
  send(frame: Uint8Array, onWritten?: () => void): void;
  /** Bytes queued for sending and not yet handed to the kernel (backpressure). */
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
  /** Starts the closing handshake with a code the client sees. */
  close(code: number, reason: string): void;
  /** Drops the connection without a handshake (dead or unresponsive peer). */
  terminate(): void;
  ping(): void;
}

/** What a socket tells its connection: one object per socket, no closures. */
export interface SyncSocketHandler {
  onMessage(data: Buffer): void;
  /** The socket is closed (either side), whatever the connection had already decided. */
  onSocketClosed(): void;
  onPong(): void;
}

const sendOptions = { binary: true } as const;
const handlerKey = Symbol('syncSocketHandler');
type HandledWebSocket = WebSocket & { [handlerKey]?: SyncSocketHandler };

/**
 * Adapts a `ws` WebSocket. Messages are read from `ws` itself rather than through Hono's
 * onMessage, which copies every binary frame into a new ArrayBuffer. A class and shared
 * listener functions (EventEmitter calls them with the socket as `this`, which carries its
 * handler) rather than closures per socket: an idle socket costs a few objects less.
 */
export class WsSyncSocket implements SyncSocket {
  constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
  }

  /** Starts delivering the socket's events to `handler`. */
  listen(handler: SyncSocketHandler): void {
    const ws = this.ws as HandledWebSocket;
    ws[handlerKey] = handler;
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('pong', onPong);
    ws.on('error', ignoreError);
  }

  send(frame: Uint8Array, onWritten?: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (onWritten) {
      this.ws.send(frame, sendOptions, onWritten);
      return;
    }
    // A broadcast's message is framed once for all its sockets and written as one buffer,
    // the turn's frames to one socket together (wsFrame.ts); large or flow-controlled sends
    // go through ws.
    const socket = frame.byteLength <= maxPreframedBytes ? directSocketOf(this.ws) : null;
    if (socket) writeInTurn(socket, frameOf(frame));
    else this.ws.send(frame, sendOptions);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  close(code: number, reason: string): void {
    const state = this.ws.readyState;
    if (state === this.ws.OPEN || state === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }
}

function onMessage(this: HandledWebSocket, data: Buffer, isBinary: boolean): void {
  // Text frames are not part of the protocol: hand them on as bytes; decoding refuses them.
  this[handlerKey]!.onMessage(isBinary ? data : Buffer.from(data));
}

function onClose(this: HandledWebSocket): void {
  this[handlerKey]!.onSocketClosed();
}

function onPong(this: HandledWebSocket): void {
  this[handlerKey]!.onPong();
}

/** 'close' follows every 'error'; the connection cleans up there. */
function ignoreError(): void {}
