import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { until } from '@desk/protocol/testing';
import { startSyncServer } from '../../../test/support/sync/startSyncServer.ts';
import { cleanupAfterEach } from './testing/cleanupAfterEach.ts';
import { realServerClient } from './testing/realServerClient.ts';

// The real server's document-size limit (SPEC.md, LIMIT) as SyncClient meets it:
// the client cannot know the limit ahead, so the server's doc_too_large is the backstop.

const users = { 'tok-ana': { userId: 'ana', workspaces: { ws1: 'write' } } } as const;
const docId = 'ws1:ticket:t1';
const defer = cleanupAfterEach();

const text = (doc: Y.Doc) => doc.getText('t').toString();

describe('SyncClient at the document size limit of the real server', () => {
  it('CLIENT-1 keeps a change past the limit as a draft, brings the replica back to the server, and syncs later edits', async () => {
    const t = await startSyncServer(users);
    defer(() => t.stop());
    t.auth.maxDocBytes = 2000;
    const client = realServerClient(t.url, 'tok-ana');
    defer(() => client.close());
    const handle = client.open(docId);
    await handle.whenSynced;
    handle.doc.getText('t').insert(0, 'kept');
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'kept is acked');

    const oldDoc = handle.doc;
    oldDoc.getText('t').insert(4, ' ' + 'x'.repeat(3000));
    await until(() => handle.refused.length === 1, 'the refusal');
    expect(handle.refused[0]).toMatchObject({ code: 'doc_too_large' });
    await until(() => handle.status.kind === 'synced' && handle.pending === 0, 'synced again');
    // The replica is the server's again; the user's work is in the draft.
    expect(text(handle.doc)).toBe('kept');
    const server = new Y.Doc();
    Y.applyUpdate(server, await t.server.sync.readDocState(docId));
    expect(text(server)).toBe('kept');
    const draft = new Y.Doc();
    Y.applyUpdate(draft, Y.encodeStateAsUpdate(server));
    Y.applyUpdate(draft, handle.refused[0]!.update);
    expect(text(draft)).toBe('kept ' + 'x'.repeat(3000));

    // A change that fits still goes through.
    handle.doc.getText('t').insert(4, '!');
    await until(() => handle.pending === 0 && handle.status.kind === 'synced', 'the later edit');
    const after = new Y.Doc();
    Y.applyUpdate(after, await t.server.sync.readDocState(docId));
    expect(text(after)).toBe('kept!');
  });
});
