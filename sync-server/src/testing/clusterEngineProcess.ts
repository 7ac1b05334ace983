/**
 * One server process of a cluster in a process of its own (`clusterEngine` behind a real
 * WebSocket server on 127.0.0.1), for tests that kill it with `kill -9`. A socket's user is
 * its `?user=` query. Prints `listening <port>`, one line, then serves until killed.
 * Arguments: database URL, Redis URL, key prefix, process name.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { clusterEngine, signedIn } from './clusterEngine.ts';

const [databaseUrl, redisUrl, prefix, name] = process.argv.slice(2);
const server = await clusterEngine(name!, databaseUrl!, redisUrl!, prefix!);
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('connection', (ws, request) => {
  const user = new URL(request.url ?? '/', 'http://localhost').searchParams.get('user') ?? 'ana';
  server.engine.openSync(ws, signedIn(user));
});
await once(wss, 'listening');
process.stdout.write(`listening ${(wss.address() as AddressInfo).port}\n`);
