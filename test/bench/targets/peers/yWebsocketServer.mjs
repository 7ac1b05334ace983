// The reference y-websocket server (@y/websocket-server 0.1.1), in memory, exactly as its
// own bin/server.js wires it: one document per connection, named by the URL path. Plain
// JavaScript, run by plain `node` (no TypeScript loader in the process, as its bin runs).
import { createServer } from 'node:http';
import { setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';

const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
});

server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(JSON.stringify({ msg: 'peer listening', port: address.port }));
});
process.on('SIGTERM', () => process.exit(0));
