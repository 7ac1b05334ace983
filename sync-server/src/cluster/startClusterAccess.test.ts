import { afterEach, expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import { AccessEvents } from '../access/AccessEvents.ts';
import type { AccessPrincipal } from '../access/AccessPrincipal.ts';
import type { RecheckResult } from '../access/recheckAccess.ts';
import { createLogger } from '../log/logger.ts';
import { DisabledSets, type MissedModerationChange } from '../moderation/DisabledSets.ts';
import type { DisabledSet } from '../moderation/ModerationStore.ts';
import {
  describeWithRedis,
  startRedisServer,
  testKeyPrefix,
  type RedisServerProcess,
} from '../testing/scaleOutParts.ts';
import {
  startClusterAccess,
  type ClusterAccess,
  type ModeratedConnection,
} from './startClusterAccess.ts';

type Entry = { itemKey: string; reason: string };

/**
 * A socket of the process as the recheck sees it: what it was told of moderation, and the
 * disabled set its workspace's re-authorization found (the engine's `authorize` loads it).
 */
class Socket implements ModeratedConnection {
  readonly told: MissedModerationChange[] = [];
  readonly reauthorizedWith: string[][] = [];
  constructor(
    readonly principal: AccessPrincipal,
    private readonly sets: DisabledSets,
  ) {}
  revoke(): void {}
  workspaceIds(): Iterable<string> {
    return ['ws1'];
  }
  async reauthorize(workspaceId: string): Promise<void> {
    const set = await this.sets.load(workspaceId);
    this.reauthorizedWith.push(set.entries.map((e) => e.itemKey));
  }
  moderationChanged(
    workspaceId: string,
    disabledDocIds: readonly string[],
    reason: string,
    items: readonly Entry[],
  ): void {
    this.told.push({ workspaceId, disabledDocIds, reason, items });
  }
}

await describeWithRedis('startClusterAccess', { ownServer: true }, () => {
  let redis: RedisServerProcess | null = null;
  let access: ClusterAccess | null = null;
  afterEach(async () => {
    await access?.close();
    access = null;
    await redis?.dispose();
    redis = null;
  });

  it('after a cut of the access channel, reads the disabled sets again and tells every socket the decision it missed, before re-authorizing', async () => {
    redis = await startRedisServer({ persistent: false });
    // The shared database's disabled items, as every process reads them.
    const disabled = new Map<string, Entry[]>();
    const store = {
      disabledSet: async (workspaceId: string): Promise<DisabledSet> => {
        const entries = [...(disabled.get(workspaceId) ?? [])];
        return {
          reasonOf: (key) => entries.find((e) => e.itemKey === key)?.reason ?? null,
          entries,
        };
      },
      moderationVersions: () => Promise.resolve(new Map<string, number>()),
    };
    const events = new AccessEvents();
    const sets = new DisabledSets(store, events);
    expect((await sets.load('ws1')).entries).toEqual([]);
    const socket = new Socket({ userId: 'u1', sessionId: 's1', tokenId: null }, sets);
    let rechecked!: (result: RecheckResult) => void;
    const recheck = new Promise<RecheckResult>((resolve) => (rechecked = resolve));
    access = await startClusterAccess({
      url: redis.url,
      prefix: testKeyPrefix(),
      access: events,
      engine: { openConnections: () => [socket] },
      stores: {
        users: { byId: () => ({ status: 'active' }) },
        sessions: { listForUser: () => [{ id: 's1' }] },
        tokens: { listForUser: () => [] },
      },
      now: Date.now,
      log: createLogger('silent'),
      disabledSets: sets,
      // The decision counts' check is the next test's: here only the cut tells.
      moderationCheckMs: 3_600_000,
      rechecked,
    });

    await redis.kill();
    // Another process disabled a ticket while the channel was cut: its event never came.
    const items = [{ itemKey: 'doc:ws1:ticket:t1', reason: 'Harassment of a customer' }];
    disabled.set('ws1', items);
    await redis.start();

    expect(await recheck).toEqual({ revoked: 0, reauthorized: 1, unchecked: 0 });
    expect(socket.told).toEqual([
      {
        workspaceId: 'ws1',
        disabledDocIds: ['ws1:ticket:t1'],
        reason: 'Harassment of a customer',
        items,
      },
    ]);
    // The re-authorization found the new set, and the process keeps it.
    expect(socket.reauthorizedWith).toEqual([['doc:ws1:ticket:t1']]);
    expect(sets.current('ws1', await store.disabledSet('none')).entries).toEqual(items);
  });

  it('tells every socket a decision whose event was never published, once its workspace’s decision count moved', async () => {
    redis = await startRedisServer({ persistent: false });
    const disabled = new Map<string, Entry[]>();
    const counts = new Map<string, number>();
    const store = {
      disabledSet: async (workspaceId: string): Promise<DisabledSet> => {
        const entries = [...(disabled.get(workspaceId) ?? [])];
        return {
          reasonOf: (key) => entries.find((e) => e.itemKey === key)?.reason ?? null,
          entries,
        };
      },
      moderationVersions: async (workspaceIds: readonly string[]) =>
        new Map(workspaceIds.flatMap((id) => (counts.has(id) ? [[id, counts.get(id)!]] : []))),
    };
    const sets = new DisabledSets(store, new AccessEvents());
    await sets.load('ws1');
    const socket = new Socket({ userId: 'u1', sessionId: 's1', tokenId: null }, sets);
    access = await startClusterAccess({
      url: redis.url,
      prefix: testKeyPrefix(),
      access: new AccessEvents(),
      engine: { openConnections: () => [socket] },
      stores: {
        users: { byId: () => ({ status: 'active' }) },
        sessions: { listForUser: () => [{ id: 's1' }] },
        tokens: { listForUser: () => [] },
      },
      now: Date.now,
      log: createLogger('silent'),
      disabledSets: sets,
      moderationCheckMs: 10,
    });

    // Another process committed a decision and died before publishing it: the bus is up,
    // but no event comes. Only the store's count says so.
    const items = [{ itemKey: 'doc:ws1:ticket:t1', reason: 'Harassment of a customer' }];
    disabled.set('ws1', items);
    counts.set('ws1', 1);
    await until(() => socket.told.length > 0, 'the socket told of the missed decision');
    expect(socket.told).toEqual([
      {
        workspaceId: 'ws1',
        disabledDocIds: ['ws1:ticket:t1'],
        reason: 'Harassment of a customer',
        items,
      },
    ]);
    expect(sets.current('ws1', await store.disabledSet('none')).entries).toEqual(items);
  });
});
