/**
 * The part of the WebSocket API the client uses: the browser's WebSocket and the `ws`
 * package's both fit, so Node tests pass `ws` as `WebSocket`.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
  addEventListener(type: 'error', listener: () => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** WebSocket.OPEN, the same number in every implementation. */
export const WS_OPEN = 1;

/** Binary frames arrive as ArrayBuffer (browser, ws with binaryType arraybuffer) or Buffer. */
export function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
