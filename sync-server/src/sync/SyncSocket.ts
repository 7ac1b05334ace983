import type { WebSocket } from 'ws';

/**
 * The transport as sessions see it. Rooms and sessions never touch `ws` directly, so a
 * test or another transport (uWebSockets, a worker port) only implements this.
 */
export interface SyncSocket {
  /** Sends one binary frame; a no-op once the socket is closing. */
  send(frame: Uint8Array): void;
  /** Bytes queued for sending and not yet handed to the kernel (backpressure). */
  readonly bufferedAmount: number;
  readonly isOpen: boolean;
  /** Starts the closing handshake with a code the client sees. */
  close(code: number, reason: string): void;
  /** Drops the connection without a handshake (dead or unresponsive peer). */
  terminate(): void;
  ping(): void;
}

export interface SyncSocketEvents {
  message(data: Buffer): void;
  close(code: number): void;
  pong(): void;
}

const sendOptions = { binary: true } as const;

/**
 * Adapts a `ws` WebSocket. Messages are read from `ws` itself rather than through Hono's
 * onMessage, which copies every binary frame into a new ArrayBuffer. A class rather than a
 * closure bag: one small object per idle socket.
 */
class WsSyncSocket implements SyncSocket {
  constructor(private readonly ws: WebSocket) {}

  send(frame: Uint8Array): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame, sendOptions);
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

export function wsSyncSocket(ws: WebSocket, events: SyncSocketEvents): SyncSocket {
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data, isBinary) => {
    // Text frames are not part of the protocol: hand them on as bytes; decoding refuses them.
    events.message(isBinary ? (data as Buffer) : Buffer.from(data as Buffer));
  });
  ws.on('close', (code) => events.close(code));
  ws.on('pong', () => events.pong());
  ws.on('error', ignoreError);
  return new WsSyncSocket(ws);
}

/** 'close' follows every 'error'; the session cleans up there. */
function ignoreError(): void {}
