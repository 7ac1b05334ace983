import net from 'node:net';

/**
 * A TCP proxy between the browser and the server that can stop forwarding without closing
 * anything: the half-open network of issue 18 #2 (Wi-Fi gone, a laptop lid, a proxy that
 * hangs). Neither end learns anything from TCP; only an application-level heartbeat can tell.
 */
export interface StallingProxy {
  /** Where the browser connects (the world's public port). */
  readonly port: number;
  /** Where it forwards to (the server's port; set once the server listens). */
  target: number;
  /**
   * From now on, bytes on every open connection are dropped in both directions and the
   * connections stay open; new connections are refused at once (so reconnect attempts fail
   * fast, as without a network).
   */
  stall(): void;
  /** Forward again: connections that lived through the stall are reset (they lost bytes). */
  resume(): void;
  close(): Promise<void>;
}

interface Pipe {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** Lost bytes while stalled: never forwards again. */
  dead: boolean;
}

export async function startStallingProxy(): Promise<StallingProxy> {
  const pipes = new Set<Pipe>();
  let stalled = false;
  let target = 0;

  const server = net.createServer((client) => {
    if (stalled || target === 0) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    const pipe: Pipe = { client, upstream, dead: false };
    pipes.add(pipe);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (stalled || pipe.dead) {
          pipe.dead = true;
          return;
        }
        to.write(chunk);
      });
      from.on('end', () => {
        if (!pipe.dead) to.end();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const drop = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    // An end closing on its own is forwarded as a close, unless the pipe is stalled: then
    // the other end must not learn anything.
    client.on('close', () => {
      if (!stalled && !pipe.dead) drop();
    });
    upstream.on('close', () => {
      if (!stalled && !pipe.dead) drop();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    get target() {
      return target;
    },
    set target(port: number) {
      target = port;
    },
    stall() {
      stalled = true;
      for (const pipe of pipes) pipe.dead = true;
    },
    resume() {
      stalled = false;
      for (const pipe of [...pipes]) {
        if (!pipe.dead) continue;
        pipes.delete(pipe);
        pipe.client.resetAndDestroy();
        pipe.upstream.destroy();
      }
    },
    async close() {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.upstream.destroy();
      }
      pipes.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
