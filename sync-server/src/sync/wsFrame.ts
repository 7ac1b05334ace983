import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Server-to-client data frames written straight to the socket, framed once per message
 * (issue 13: CPU per delivered update).
 *
 * A broadcast sends one message to every member of a room. Through `ws.send` each socket
 * pays for its own frame header and a corked two-buffer `writev`; the frame a server sends
 * is never masked (RFC 6455 §5.1) and, with permessage-deflate off (`ws`'s default, and
 * `acceptSyncUpgrades` does not turn it on), it is the same bytes for every socket. So the
 * whole frame is built once per message and handed to each socket as one buffer: one
 * `write` of one chunk per socket. Measured on this machine (50 loopback sockets, 60-byte
 * messages): 11.5–12.4 µs of server CPU per frame through `ws.send`, 8.6–10.5 µs this way.
 */

/** Above this, `ws.send` is used: a copy of the message would cost more than it saves. */
export const maxPreframedBytes = 16 * 1024;

/** The bytes of one whole unmasked binary frame (FIN, opcode 2) carrying `payload`. */
export function binaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerBytes = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x82;
  if (headerBytes === 2) {
    frame[1] = length;
  } else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, headerBytes);
  return frame;
}

/**
 * The frame of the message sent last, kept while the same message goes to the next socket:
 * a broadcast sends one buffer to every member in a row. Keyed by the buffer itself, which
 * is safe because a buffer handed to a socket is never changed afterwards (`ws.send` keeps
 * a reference to it until it is written, so that already had to hold).
 */
let lastPayload: Uint8Array | null = null;
let lastFrame: Buffer | null = null;

export function frameOf(payload: Uint8Array): Buffer {
  if (payload !== lastPayload) {
    lastFrame = binaryFrame(payload);
    lastPayload = payload;
  }
  return lastFrame!;
}

/** What of `ws`'s internals the direct write relies on (ws 8). */
interface WsInternals {
  readonly _socket?: Duplex | null;
  readonly _sender?: { readonly _state?: number; readonly _queue?: readonly unknown[] } | null;
}

/** `ws`'s Sender state when it writes a frame at once (not compressing, not reading a Blob). */
const senderIdle = 0;

/**
 * The socket a whole frame may be written to now, keeping the order of every frame sent
 * through `ws` before: only while `ws`'s sender writes at once (its state idle and nothing
 * queued), which is always so without permessage-deflate. Null otherwise, or when `ws` is
 * not the library this knows (a test double): then the caller uses `ws.send`.
 */
export function directSocketOf(ws: WebSocket): Duplex | null {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (!socket || typeof socket.write !== 'function' || !sender) return null;
  if (sender._state !== senderIdle || sender._queue?.length !== 0) return null;
  return socket;
}

/**
 * The sockets written to in this turn, corked until it ends: a client that writes gets its
 * ack and the broadcast of the others' updates from the same pipeline turn, and a socket
 * in several rooms a frame per room. Corked, they leave as one `writev` instead of one
 * syscall each (the profile of 200 rooms × 5 writers: a third of the server's CPU was
 * socket writes). Uncorked on the next tick, before any I/O: nothing waits longer than the
 * turn that sent it. `ws`'s own writes (large frames, pings, the close frame) cork and
 * uncork inside this and keep their order.
 */
const corked: Duplex[] = [];

function uncorkAll(): void {
  // A socket destroyed meanwhile ignores uncork; its buffered frames go with it, as
  // frames written to a socket that is then destroyed always may.
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/** Writes a whole frame now, leaving with the turn's other frames to this socket. */
export function writeInTurn(socket: Duplex, frame: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    if (corked.length === 0) process.nextTick(uncorkAll);
    corked.push(socket);
  }
  socket.write(frame);
}
