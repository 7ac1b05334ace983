import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface StockProviderOptions {
  /** The provider's reconnect ceiling (ms): tests that restart or cut the server shorten it. */
  maxBackoffTime?: number;
}

/**
 * A stock y-websocket provider on the server's `/yjs/:docId` endpoint, opened as an
 * integrator's app opens it: token in the query (none with `null`), no BroadcastChannel
 * between tabs.
 */
export function openStockProvider(
  serverUrl: string,
  docId: string,
  token: string | null,
  doc: Y.Doc = new Y.Doc(),
  options: StockProviderOptions = {},
): WebsocketProvider {
  return new WebsocketProvider(`${serverUrl.replace('http', 'ws')}/yjs`, docId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: token === null ? {} : { token },
    disableBc: true,
    ...options,
  });
}

/** Resolves once the provider has synced with the server (at once if it has). */
export function providerSynced(provider: WebsocketProvider): Promise<void> {
  return new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once('sync', () => resolve());
  });
}
