import * as Y from 'yjs';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

/**
 * A new device in its own process (so its decoding does not load the server's event loop):
 * connects, subscribes to `docId` with an empty doc, waits for the first sync, prints what
 * arrived. Argv: url token docId.
 */
const [url, token, docId] = process.argv.slice(2) as [string, string, string];
const client = await TestSyncClient.connect(url, { token });
const doc = client.subscribe(docId, new Y.Doc());
await client.synced(docId);
const bytes = Y.encodeStateAsUpdate(doc).byteLength;
const chunks = client.messages.filter((m) => m.type === 116).length;
process.stdout.write(JSON.stringify({ bytes, chunks, closed: client.closeInfo }) + '\n');
client.ws.terminate();
process.exit(0);
