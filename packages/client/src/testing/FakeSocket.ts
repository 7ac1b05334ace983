import { decodeClientMessage, encodeServerMessage } from '@desk/protocol';
import type { ClientMessage, ServerMessage } from '@desk/protocol';
import type { WebSocketLike } from '../connection/WebSocketLike.ts';

type Listener = (event: never) => void;

/**
 * A WebSocket the test drives by hand (for the connection state machine with a manual
 * clock). Every instance is recorded in `FakeSocket.created`.
 */
export class FakeSocket implements WebSocketLike {
  static created: FakeSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  readonly url: string;
  readonly sent: ClientMessage[] = [];
  closedWith: number | null = null;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(url: string) {
    this.url = url;
    FakeSocket.created.push(this);
  }

  static last(): FakeSocket {
    const socket = FakeSocket.created.at(-1);
    if (!socket) throw new Error('no socket created');
    return socket;
  }

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  send(data: Uint8Array): void {
    this.sent.push(decodeClientMessage(data));
  }

  close(code = 1000, reason = ''): void {
    this.closedWith = code;
    this.serverClose(code, reason);
  }

  // ── the test's side ───────────────────────────────────────────────────────────────────

  open(): void {
    this.readyState = 1;
    this.#emit('open', {});
  }

  receive(message: ServerMessage): void {
    this.receiveBytes(encodeServerMessage(message));
  }

  receiveBytes(bytes: Uint8Array): void {
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    this.#emit('message', { data });
  }

  serverClose(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#emit('close', { code, reason });
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? [])
      (listener as (e: unknown) => void)(event);
  }
}
