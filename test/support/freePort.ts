import net from 'node:net';

/**
 * A TCP port free right now on 127.0.0.1. Browser tests need the port before the server
 * starts, because PUBLIC_URL (the Origin the server accepts) must name it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
