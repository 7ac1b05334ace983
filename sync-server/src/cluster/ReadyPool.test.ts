import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadyPool, type PoolTarget } from './ReadyPool.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A real server whose `/readyz` answers `status`, or never (`'hang'`). */
async function process_(name: string, status: number | 'hang'): Promise<PoolTarget> {
  const server = http.createServer((req, res) => {
    if (status === 'hang') return; // a process stuck (its event loop blocked): no answer
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status === 200 ? 'ready' : 'database_unavailable' }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * A probe timeout no answer of a live test server misses, however loaded the machine (the
 * default 500 ms is the proxy's; a cold first fetch on a busy CI runner can take longer).
 */
const patient = { probeTimeoutMs: 30_000 };

describe('ReadyPool', () => {
  it('counts as ready only a process whose /readyz answered 200', async () => {
    const ready = await process_('ready', 200);
    const unavailable = await process_('unavailable', 503);
    const pool = new ReadyPool([ready, unavailable], patient);
    await pool.probeAll();
    expect(pool.isReady(ready)).toBe(true);
    expect(pool.isReady(unavailable)).toBe(false);
  });

  it('counts as not ready a process that does not answer within the probe timeout', async () => {
    const stuck = await process_('stuck', 'hang');
    const pool = new ReadyPool([stuck], { probeTimeoutMs: 50 });
    await pool.probeAll();
    expect(pool.isReady(stuck)).toBe(false);
  });

  it('counts as not ready a port nothing listens on', async () => {
    const gone = await process_('gone', 200);
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const pool = new ReadyPool([gone], patient);
    await pool.probeAll();
    expect(pool.isReady(gone)).toBe(false);
  });

  it('hands out the ready ones in turn, skipping those a request already tried', async () => {
    const [a, b, c] = [
      await process_('a', 200),
      await process_('b', 200),
      await process_('c', 200),
    ];
    const pool = new ReadyPool([a!, b!, c!], patient);
    await pool.probeAll();
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()]).toEqual([a, b, c, a]);
    expect(pool.pick(new Set([b!]))).toBe(c);
    expect(pool.pick(new Set([a!, b!, c!]))).toBeNull();
  });

  it('takes out a process marked down until a probe finds it ready again, and says so', async () => {
    const a = await process_('a', 200);
    const changes: string[] = [];
    const pool = new ReadyPool([a], {
      ...patient,
      onChange: (target, ready) => changes.push(`${target.name} ${ready}`),
    });
    await pool.probeAll();
    pool.markDown(a, 'connection refused');
    expect(pool.pick()).toBeNull();
    await pool.probeAll();
    expect(pool.pick()).toBe(a);
    expect(changes).toEqual(['a true', 'a false', 'a true']);
  });
});
