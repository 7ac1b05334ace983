import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/**
 * A stock y-websocket provider on the server's `/yjs/:docId` endpoint, opened as an
 * integrator's app opens it: token in the query, no BroadcastChannel between tabs.
 */
export function openStockProvider(
  serverUrl: string,
  docId: string,
  token: string,
  doc: Y.Doc = new Y.Doc(),
): WebsocketProvider {
  return new WebsocketProvider(`${serverUrl.replace('http', 'ws')}/yjs`, docId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
}

/** Resolves once the provider has synced with the server (at once if it has). */
export function providerSynced(provider: WebsocketProvider): Promise<void> {
  return new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    else provider.once('sync', () => resolve());
  });
}
