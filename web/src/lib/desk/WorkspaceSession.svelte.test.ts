import { docIds } from '@desk/model';
import { CloseCode, DocErrorCode } from '@desk/protocol';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { rememberIdentity, startSession } from '../../testing/deskSession.ts';
import { AccessLoss } from './accessLoss.ts';
import { WorkspaceSession } from './WorkspaceSession.svelte.ts';

const sessions: WorkspaceSession[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
});

async function started(identity = rememberIdentity()) {
  const world = await startSession(identity);
  sessions.push(world.session);
  return { ...world, wsId: identity.workspace.workspace.id };
}

describe('WorkspaceSession', () => {
  it('opens from the remembered identity when the server cannot be reached', async () => {
    const { session } = await started();
    expect(session.me?.displayName).toBe('Ann');
    expect(session.memberName('u-bo')).toBe('Bo');
    expect(session.memberName('u-gone')).toBe('Former member');
    expect(session.memberName(null)).toBe('Unassigned');
    expect(session.canWrite).toBe(true);
  });

  it('says to connect once when the workspace was never opened on this device', async () => {
    const session = new WorkspaceSession('never-opened', () => {
      throw new Error('no source without an identity');
    });
    sessions.push(session);
    await session.start();
    expect(session.ready).toBe(false);
    expect(session.error).toMatch(/Connect once/);
  });

  it('creates a ticket offline with a pending number, listed in the index at once', async () => {
    const { session } = await started();
    const record = session.createTicket({ title: 'Printer jammed' });
    expect(record.number).toBeNull();
    expect(session.index.tickets.get(record.id)?.title).toBe('Printer jammed');
  });

  it('turns read-only the moment the server refuses a doc of this workspace: removed', async () => {
    const { session, source, wsId } = await started();
    const seen: (AccessLoss | null)[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(session.accessLoss);
      });
    });
    flushSync();
    source.refuse(docIds.index(wsId), DocErrorCode.accessRevoked);
    flushSync();
    stop();
    expect(seen).toEqual([null, AccessLoss.removed]);
    expect(session.canWrite).toBe(false);
  });

  it('ignores refusals of another workspace and refusals that leave access as it was', async () => {
    const { session, source, wsId } = await started();
    source.refuse(docIds.index('ws-other'), DocErrorCode.notMember);
    source.refuse(docIds.index(wsId), DocErrorCode.storageUnavailable);
    expect(session.accessLoss).toBeNull();
    expect(session.canWrite).toBe(true);
  });

  it('keeps the latest loss: a read-only role, then removed, is removed', async () => {
    const { session, source, wsId } = await started();
    source.refuse(docIds.index(wsId), DocErrorCode.readOnlyRole);
    expect(session.accessLoss).toBe(AccessLoss.readOnlyRole);
    source.refuse(docIds.index(wsId), DocErrorCode.notMember);
    expect(session.accessLoss).toBe(AccessLoss.removed);
  });

  it('counts a socket closed for a revoked session as signed out, a plain drop as nothing', async () => {
    const { session, source } = await started();
    source.emitStatus({ kind: 'offline', pendingUpdates: 2 });
    expect(session.accessLoss).toBeNull();
    expect(session.status).toEqual({ kind: 'offline', pendingUpdates: 2 });
    source.emitStatus({
      kind: 'error',
      pendingUpdates: 2,
      error: { code: CloseCode.sessionRevoked, message: 'revoked' },
    });
    expect(session.accessLoss).toBe(AccessLoss.signedOut);
    expect(session.canWrite).toBe(false);
  });

  it('is read-only from the start in a read-only workspace', async () => {
    const { session } = await started(rememberIdentity('viewer', true));
    expect(session.accessLoss).toBeNull();
    expect(session.canWrite).toBe(false);
  });
});
