import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { AccessEvents, type AccessEventMap } from '../access/AccessEvents.ts';
import { recheckAccess, type RecheckedConnection } from '../access/recheckAccess.ts';
import type { AccessPrincipal } from '../access/AccessPrincipal.ts';
import {
  describeWithRedis,
  startRedisServer,
  testKeyPrefix,
  type RedisServerProcess,
} from '../testing/scaleOutParts.ts';
import { RedisAccessBus, relayedAccessEvents, type RelayedAccessEvent } from './RedisAccessBus.ts';

/** A socket as far as access goes: who it is, what it holds, what happened to it. */
class Socket implements RecheckedConnection {
  revoked = false;
  readonly reauthorized: string[] = [];
  constructor(
    readonly principal: AccessPrincipal,
    readonly workspaces: readonly string[],
  ) {}
  revoke(): void {
    this.revoked = true;
  }
  workspaceIds(): Iterable<string> {
    return this.workspaces;
  }
  async reauthorize(workspaceId: string): Promise<void> {
    this.reauthorized.push(workspaceId);
  }
}

/**
 * One server process as far as access goes: its AccessEvents (what emitters in it raise),
 * the events its listeners saw, its sockets, and the sessions its store still has.
 */
class Process {
  readonly access = new AccessEvents();
  readonly seen: { event: RelayedAccessEvent; payload: unknown }[] = [];
  readonly sockets: Socket[] = [];
  readonly liveSessions = new Set<string>();
  readonly failures: unknown[] = [];
  rechecks = 0;
  readonly bus: RedisAccessBus;

  constructor(url: string, prefix: string, processId: string) {
    for (const event of relayedAccessEvents) {
      this.access.on(event, ((payload: unknown) => this.seen.push({ event, payload })) as never);
    }
    // What watchAccess does for a revoked session, on this process's sockets.
    this.access.on('sessionsRevoked', ({ sessionIds }) => {
      for (const socket of this.sockets) {
        if (sessionIds.includes(socket.principal.sessionId ?? '')) socket.revoke();
      }
    });
    this.bus = new RedisAccessBus({
      url,
      prefix,
      processId,
      access: this.access,
      missed: async () => {
        await recheckAccess(this.sockets, async (principal) =>
          this.liveSessions.has(principal.sessionId ?? ''),
        );
        this.rechecks++;
      },
      failed: (error) => this.failures.push(error),
    });
  }
}

const principal = (sessionId: string): AccessPrincipal => ({
  userId: 'u1',
  sessionId,
  tokenId: null,
});

await describeWithRedis('RedisAccessBus', { ownServer: true }, () => {
  let redis: RedisServerProcess | null = null;
  const processes: Process[] = [];

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.bus.close()));
    await redis?.dispose();
    redis = null;
  });

  async function twoProcesses() {
    redis = await startRedisServer({ persistent: false });
    const prefix = testKeyPrefix();
    const a = new Process(redis.url, prefix, 'a');
    const b = new Process(redis.url, prefix, 'b');
    processes.push(a, b);
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    return { a, b, prefix };
  }

  it('emits an event raised on process A on process B once, and never back on A', async () => {
    const { a, b } = await twoProcesses();
    b.sockets.push(new Socket(principal('s1'), ['ws1']), new Socket(principal('s2'), ['ws1']));
    a.access.emit('sessionsRevoked', { sessionIds: ['s1'] });
    await expect.poll(() => b.seen.length).toBe(1);
    expect(b.seen[0]).toEqual({ event: 'sessionsRevoked', payload: { sessionIds: ['s1'] } });
    expect(b.sockets.map((s) => s.revoked)).toEqual([true, false]);

    // B's next event reaches A after anything B published before it (one connection, in
    // order): had B relayed A's event back, A would have seen it first.
    b.access.emit('userSuspended', { userId: 'u9' });
    await expect.poll(() => a.seen.length).toBe(2);
    expect(a.seen.map((s) => s.event)).toEqual(['sessionsRevoked', 'userSuspended']);
    expect(b.seen.map((s) => s.event)).toEqual(['sessionsRevoked', 'userSuspended']);
  });

  it('relays every kind of access event with its payload', async () => {
    const { a, b } = await twoProcesses();
    const raised: { [E in RelayedAccessEvent]: AccessEventMap[E][0] } = {
      sessionsRevoked: { sessionIds: ['s1', 's2'] },
      tokensRevoked: { tokenIds: ['t1'] },
      membershipChanged: { workspaceId: 'ws1', userId: 'u1', role: null },
      userSuspended: { userId: 'u2' },
      workspaceStateChanged: { workspaceId: 'ws1' },
      termsRequired: { userIds: ['u3'] },
      moderationChanged: {
        workspaceId: 'ws1',
        disabledDocIds: ['ws1:ticket:t1'],
        reason: 'spam',
        items: [{ itemKey: 'ticket:t1', reason: 'spam' }],
      },
    };
    for (const event of relayedAccessEvents) a.access.emit(event, raised[event] as never);
    await expect.poll(() => b.seen.length).toBe(relayedAccessEvents.length);
    expect(b.seen).toEqual(relayedAccessEvents.map((event) => ({ event, payload: raised[event] })));
  });

  it('drops, and reports, a message on the channel that is not an access event', async () => {
    const { a, b, prefix } = await twoProcesses();
    const stranger = new Redis(redis!.url);
    try {
      await stranger.publish(`${prefix}access`, 'not json');
      await stranger.publish(
        `${prefix}access`,
        JSON.stringify({ origin: 'x', event: 'dropTables', payload: {} }),
      );
    } finally {
      await stranger.quit();
    }
    a.access.emit('userSuspended', { userId: 'u1' }); // after the two: B has read them by then
    await expect.poll(() => b.seen.length).toBe(1);
    expect(b.seen[0]!.event).toBe('userSuspended');
    expect(b.failures).toHaveLength(2);
  });

  it('after Redis restarted empty, rechecks every socket against the store: a session revoked meanwhile is closed', async () => {
    const { a, b } = await twoProcesses();
    b.liveSessions.add('s1').add('s2');
    b.sockets.push(new Socket(principal('s1'), ['ws1', 'ws2']), new Socket(principal('s2'), []));
    await redis!.kill();
    // Revoked on A while Redis is down: the store no longer has it; A's publish may reach
    // Redis before B is subscribed again (then B never sees it as a message).
    b.liveSessions.delete('s1');
    a.access.emit('sessionsRevoked', { sessionIds: ['s1'] });
    await redis!.start();
    await expect.poll(() => b.rechecks).toBe(1);
    await expect.poll(() => a.rechecks).toBe(1);
    expect(b.sockets[0]!.revoked).toBe(true);
    expect(b.sockets[1]!.revoked).toBe(false);

    // The channel works again, both ways.
    a.access.emit('workspaceStateChanged', { workspaceId: 'ws2' });
    await expect.poll(() => b.seen.some((s) => s.event === 'workspaceStateChanged')).toBe(true);
  });
});
