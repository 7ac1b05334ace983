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
 * onMessage, which copies every binary frame into a new ArrayBuffer.
 */
export function wsSyncSocket(ws: WebSocket, events: SyncSocketEvents): SyncSocket {
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data, isBinary) => {
    // Text frames are not part of the protocol: hand them on as bytes; decoding refuses them.
    events.message(isBinary ? (data as Buffer) : Buffer.from(data as Buffer));
  });
  ws.on('close', (code) => events.close(code));
  ws.on('pong', () => events.pong());
  ws.on('error', () => {
    // 'close' follows every 'error'; the session cleans up there.
  });
  return {
    send(frame) {
      if (ws.readyState === ws.OPEN) ws.send(frame, sendOptions);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get isOpen() {
      return ws.readyState === ws.OPEN;
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    },
    terminate() {
      ws.terminate();
    },
    ping() {
      if (ws.readyState === ws.OPEN) ws.ping();
    },
  };
}
