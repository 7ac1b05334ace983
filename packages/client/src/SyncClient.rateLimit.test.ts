import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { startSyncServer } from '../../../test/support/sync/startSyncServer.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';
import { realServerClient } from './testing/realServerClient.ts';

// The real server's update rate (SPEC.md, LIMIT-9) as SyncClient meets it: a change refused
// with rate_limited stays pending and is sent again after the server's delay; nothing is lost.

const users = { 'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } } } as const;
const docId = 'ws1:ticket:t1';
const defer = cleanupAfterEach();

const text = (doc: Y.Doc) => doc.getText('t').toString();

describe('SyncClient at the update rate of the real server', () => {
  it('LIMIT-9 keeps a change refused with rate_limited pending and resends it after the delay', async () => {
    let now = 1_000_000;
    const t = await startSyncServer(users, {}, undefined, { now: () => now });
    defer(() => t.stop());
    // Burst 2, refilled at 20/s: the retry delay is 50 ms.
    t.auth.updateRate = {
      perConnection: { burst: 2, perSecond: 20 },
      perWorkspace: { burst: 1000, perSecond: 1000 },
    };
    const client = realServerClient(t.url, 'tok-ana');
    defer(() => client.close());
    const handle = client.open(docId);
    await handle.whenSynced;
    // LIMIT-11: the plan's limits came with subscribed (none but the rate here).
    expect(handle.limits).toEqual({ maxDocBytes: null, maxTickets: null, messagesPerMinute: null });
    handle.doc.getText('t').insert(0, 'a');
    await until(() => handle.pending === 0, 'a is acked');
    handle.doc.getText('t').insert(1, 'b');
    await until(() => handle.pending === 0, 'b is acked');
    // The third is over the burst: refused, kept, and the doc waits for the delay.
    handle.doc.getText('t').insert(2, 'c');
    await until(() => handle.status.error?.code === DocErrorCode.rateLimited, 'the refusal');
    expect(handle.pending).toBeGreaterThan(0);
    expect(handle.refused).toEqual([]); // not a draft: nothing is wrong with the change
    const before = new Y.Doc();
    Y.applyUpdate(before, await t.server.sync.readDocState(docId));
    expect(text(before)).toBe('ab');
    // The delay passes on the server's clock; the client's retry then goes through.
    now += 50;
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'c is resent');
    const after = new Y.Doc();
    Y.applyUpdate(after, await t.server.sync.readDocState(docId));
    expect(text(after)).toBe('abc');
    expect(text(handle.doc)).toBe('abc');
  });
});
