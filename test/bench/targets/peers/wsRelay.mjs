// The physical limit: a WebSocket relay that forwards every frame to the other sockets of
// the same room (URL path) and does no CRDT work at all. Plain JavaScript, run by plain
// `node` (no TypeScript loader in the process).
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

/** @type {Map<string, Set<import('ws').WebSocket>>} */
const rooms = new Map();
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (socket, req) => {
  const room = (req.url ?? '/').split('?')[0] ?? '/';
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  const peers = members;
  peers.add(socket);
  socket.on('message', (data) => {
    for (const other of peers) if (other !== socket) other.send(data, { binary: true });
  });
  socket.on('close', () => {
    peers.delete(socket);
    if (peers.size === 0) rooms.delete(room);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(JSON.stringify({ msg: 'peer listening', port: address.port }));
});
process.on('SIGTERM', () => process.exit(0));
