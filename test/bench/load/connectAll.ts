import type { BenchClient } from './BenchClient.ts';

/**
 * Opens `count` clients with at most `concurrency` handshakes in flight (a burst of
 * thousands of simultaneous SYNs would overflow the listen backlog and measure the kernel,
 * not the server) and resolves once all have finished their initial sync.
 */
export async function connectAll<C extends BenchClient>(
  count: number,
  concurrency: number,
  open: (index: number) => C,
): Promise<C[]> {
  const clients: C[] = new Array<C>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const client = open(index);
      clients[index] = client;
      await withTimeout(client.synced, SYNC_TIMEOUT_MS, `socket ${index + 1} of ${count}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  } catch (err) {
    await closeAll(clients.filter(Boolean));
    throw err;
  }
  return clients;
}

/** A socket that has not synced by then never will; fail the scenario instead of hanging. */
const SYNC_TIMEOUT_MS = 60_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not sync within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

export function totalBytes(clients: readonly BenchClient[]): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const c of clients) {
    const b = c.bytes();
    sent += b.sent;
    received += b.received;
  }
  return { sent, received };
}
