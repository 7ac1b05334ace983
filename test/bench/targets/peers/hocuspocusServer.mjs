// Hocuspocus 3 (@hocuspocus/server), in memory: no extensions, no persistence hooks, no
// authentication hook (its Auth message is still required by the protocol). Plain
// JavaScript, run by plain `node` (no TypeScript loader in the process, as in production).
import { Server } from '@hocuspocus/server';

const server = new Server({ port: 0, address: '127.0.0.1', quiet: true });
await server.listen();
console.log(JSON.stringify({ msg: 'peer listening', port: server.address.port }));
process.on('SIGTERM', () => process.exit(0));
