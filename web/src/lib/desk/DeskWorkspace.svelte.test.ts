import { docIds } from '@desk/model';
import { CloseCode, DocErrorCode } from '@desk/protocol';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { until } from '@desk/protocol/testing';
import type { WorkspaceUsageResponse } from '@desk/protocol';
import {
  rememberIdentity,
  openDeskWorkspace,
  ScriptedDocSource,
} from '../../testing/deskWorkspace.ts';
import { AccessLoss } from './accessLoss.ts';
import { WorkspaceFullError } from '$lib/usage/WorkspaceUsage.svelte.ts';
import { readDisabledItems, writeDisabledItems } from '$lib/offline/disabledItemsStore.ts';
import { DeskWorkspace } from './DeskWorkspace.svelte.ts';

const desks: DeskWorkspace[] = [];
afterEach(() => {
  for (const desk of desks.splice(0)) desk.destroy();
});

async function started(identity = rememberIdentity()) {
  const world = await openDeskWorkspace(identity);
  desks.push(world.desk);
  return { ...world, wsId: identity.workspace.workspace.id };
}

describe('DeskWorkspace', () => {
  it('opens from the remembered identity when the server cannot be reached', async () => {
    const { desk } = await started();
    expect(desk.me?.displayName).toBe('Ann');
    expect(desk.memberName('u-bo')).toBe('Bo');
    expect(desk.memberName('u-gone')).toBe('Former member');
    expect(desk.memberName(null)).toBe('Unassigned');
    expect(desk.canWrite).toBe(true);
  });

  it('names a former member whose account was deleted "Deleted user", also where they wrote', async () => {
    const identity = rememberIdentity();
    const workspace = { ...identity.workspace, deletedUserIds: ['u-deleted'] };
    localStorage.setItem(
      `desk:identity:${identity.slug}`,
      JSON.stringify({ me: identity.me, workspace }),
    );
    const { desk } = await started({ ...identity, workspace });
    expect(desk.memberName('u-deleted')).toBe('Deleted user');
    expect(desk.authorName('u-deleted', 'Dana Left')).toBe('Deleted user');
    expect(desk.memberName('u-gone')).toBe('Former member');
    expect(desk.authorName('u-gone', 'Gone Elsewhere')).toBe('Gone Elsewhere');
  });

  it('says to connect once when the workspace was never opened on this device', async () => {
    const desk = new DeskWorkspace('never-opened', () => {
      throw new Error('no source without an identity');
    });
    desks.push(desk);
    await desk.start();
    expect(desk.ready).toBe(false);
    expect(desk.error).toMatch(/Connect once/);
  });

  it('writes nothing to an empty local copy before the first sync (no schema stamp to refuse)', async () => {
    const { desk } = await started();
    // The fresh replica stays empty: its first write waits for the server's copy.
    expect(desk.index.doc.store.clients.size).toBe(0);
    expect(desk.user.doc.store.clients.size).toBe(0);
    expect(desk.outdated).toBe(false);
  });

  it('creates a ticket offline with a pending number, listed in the index at once', async () => {
    const { desk } = await started();
    const record = desk.createTicket({ title: 'Printer jammed' });
    expect(record.number).toBeNull();
    expect(desk.index.tickets.get(record.id)?.title).toBe('Printer jammed');
  });

  it('turns read-only the moment the server refuses a doc of this workspace: removed', async () => {
    const { desk, source, wsId } = await started();
    const seen: (AccessLoss | null)[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(desk.accessLoss);
      });
    });
    flushSync();
    source.refuse(docIds.index(wsId), DocErrorCode.accessRevoked);
    flushSync();
    stop();
    expect(seen).toEqual([null, AccessLoss.removed]);
    expect(desk.canWrite).toBe(false);
  });

  it('ignores refusals of another workspace and refusals that leave access as it was', async () => {
    const { desk, source, wsId } = await started();
    source.refuse(docIds.index('ws-other'), DocErrorCode.notMember);
    source.refuse(docIds.index(wsId), DocErrorCode.storageUnavailable);
    expect(desk.accessLoss).toBeNull();
    expect(desk.canWrite).toBe(true);
  });

  describe('disabled content (terms §4)', () => {
    it('hides a ticket the server refuses as disabled, with its reason, and stays writable', async () => {
      const { desk, source, wsId } = await started();
      source.refuse(docIds.ticket(wsId, 't1'), DocErrorCode.contentDisabled, 'Obscene material');
      expect(desk.disabled.ticket('t1')).toBe('Obscene material');
      expect(desk.accessLoss).toBeNull();
      expect(desk.canWrite).toBe(true);
    });

    it("follows the server's pushed list for this workspace only, and keeps it for an offline reload", async () => {
      const { desk, source, wsId } = await started();
      const itemKey = `doc:${docIds.ticket(wsId, 't1')}#c1`;
      source.emitDisabledItems('ws-other', [{ itemKey, reason: 'Not this one' }]);
      expect(desk.disabled.comment('t1', 'c1')).toBeNull();
      source.emitDisabledItems(wsId, [{ itemKey, reason: 'Harassment' }]);
      expect(desk.disabled.comment('t1', 'c1')).toBe('Harassment');
      await until(
        async () => (await readDisabledItems('u-ann', wsId))?.length === 1,
        'the list kept in IndexedDB',
      );
      source.emitDisabledItems(wsId, []);
      expect(desk.disabled.comment('t1', 'c1')).toBeNull();
    });

    it('shows the kept list when it opens offline, before anything is painted', async () => {
      const identity = rememberIdentity();
      const wsId = identity.workspace.workspace.id;
      await writeDisabledItems('u-ann', wsId, [
        { itemKey: `doc:${docIds.notice(wsId, 'n1')}`, reason: 'Propaganda' },
      ]);
      const { desk } = await started(identity);
      expect(desk.ready).toBe(true);
      expect(desk.disabled.notice('n1')).toBe('Propaganda');
    });
  });

  it('keeps the latest loss: a read-only role, then removed, is removed', async () => {
    const { desk, source, wsId } = await started();
    source.refuse(docIds.index(wsId), DocErrorCode.readOnlyRole);
    expect(desk.accessLoss).toBe(AccessLoss.readOnlyRole);
    source.refuse(docIds.index(wsId), DocErrorCode.notMember);
    expect(desk.accessLoss).toBe(AccessLoss.removed);
  });

  it('counts a socket closed for a revoked session as signed out, a plain drop as nothing', async () => {
    const { desk, source } = await started();
    source.emitStatus({ kind: 'offline', pendingUpdates: 2 });
    expect(desk.accessLoss).toBeNull();
    expect(desk.status).toEqual({ kind: 'offline', pendingUpdates: 2 });
    source.emitStatus({
      kind: 'error',
      pendingUpdates: 2,
      error: { code: CloseCode.sessionRevoked, message: 'revoked' },
    });
    expect(desk.accessLoss).toBe(AccessLoss.signedOut);
    expect(desk.canWrite).toBe(false);
  });

  it('is read-only from the start in a read-only workspace', async () => {
    const { desk } = await started(rememberIdentity('viewer', true));
    expect(desk.accessLoss).toBeNull();
    expect(desk.canWrite).toBe(false);
  });

  it('refuses a new ticket up front when the workspace is full, writing nothing (issue 15)', async () => {
    const { desk } = await started();
    const before = desk.createTicket({ title: 'Still fits' });
    desk.usage.usage = {
      plan: { id: 'trial', name: 'Trial' },
      documents: { count: 1, totalBytes: 5, largest: null, indexBytes: 5 },
      meters: [],
      newTickets: { allowed: false, reason: 'index_full' },
      at: 1,
    };
    const tickets = desk.index.tickets.size;
    expect(() => desk.createTicket({ title: 'Phantom' })).toThrow(WorkspaceFullError);
    expect(() => desk.createTicket({ title: 'Phantom' })).toThrow(
      /^Workspace full — upgrade or archive/,
    );
    expect(desk.index.tickets.size).toBe(tickets);
    expect(desk.index.tickets.all().map((t) => t.title)).toEqual([before.title]);
  });

  it('asks for the usage again when the server refuses a change at the size limit, and is then full', async () => {
    const identity = rememberIdentity();
    const wsId = identity.workspace.workspace.id;
    let full = false;
    const fetchUsage = () =>
      Promise.resolve<WorkspaceUsageResponse>({
        plan: { id: 'trial', name: 'Trial' },
        documents: { count: 1, totalBytes: 5, largest: null, indexBytes: 5 },
        meters: [],
        newTickets: full
          ? { allowed: false, reason: 'index_full' }
          : { allowed: true, reason: null },
        at: 1,
      });
    let source: ScriptedDocSource | undefined;
    const desk = new DeskWorkspace(
      identity.slug,
      () => (source = new ScriptedDocSource()),
      fetchUsage,
    );
    desks.push(desk);
    await desk.start();
    await until(() => desk.usage.usage !== null, 'the first usage answer');
    expect(desk.usage.full).toBe(false);
    full = true; // another device filled the workspace meanwhile
    source!.refuse(docIds.index(wsId), DocErrorCode.docTooLarge);
    await until(() => desk.usage.full, 'the workspace is known to be full');
    expect(() => desk.createTicket({ title: 'Phantom' })).toThrow(WorkspaceFullError);
  });

  describe('starting from the identity cached here (issue 15: reload from the local copy)', () => {
    /**
     * The server, as `fetch` sees it: /api/auth/me and /api/workspaces/<slug> answer only
     * when the test says so, the way a slow network answers after the first paint.
     */
    function slowServer() {
      type Reply = { status: number; body: (url: string) => unknown } | 'unreachable';
      let answer: (reply: Reply) => void = () => undefined;
      const replied = new Promise<Reply>((resolve) => (answer = resolve));
      vi.stubGlobal('fetch', async (url: string) => {
        const reply = await replied;
        if (reply === 'unreachable') throw new TypeError('Failed to fetch');
        return new Response(JSON.stringify(reply.body(url)), {
          status: reply.status,
          headers: { 'content-type': 'application/json' },
        });
      });
      return {
        answer: (status: number, body: (url: string) => unknown) => answer({ status, body }),
        unreachable: () => answer('unreachable'),
      };
    }
    afterEach(() => vi.unstubAllGlobals());

    async function startedBeforeTheServerAnswers(identity: ReturnType<typeof rememberIdentity>) {
      const server = slowServer();
      let source: ScriptedDocSource | undefined;
      const reopened: string[] = [];
      const desk = new DeskWorkspace(
        identity.slug,
        () => (source = new ScriptedDocSource()),
        undefined,
        () => reopened.push(identity.slug),
      );
      desks.push(desk);
      await desk.start();
      return { desk, server, reopened, source: source! };
    }

    it('opens the local copy before the server has said who I am', async () => {
      const { desk } = await startedBeforeTheServerAnswers(rememberIdentity());
      expect(desk.ready).toBe(true);
      expect(desk.me?.displayName).toBe('Ann');
    });

    it("applies the server's answer when it comes: the workspace became read-only", async () => {
      const identity = rememberIdentity();
      const { desk, server } = await startedBeforeTheServerAnswers(identity);
      expect(desk.canWrite).toBe(true);
      const suspended = {
        ...identity.workspace,
        workspace: { ...identity.workspace.workspace, readOnly: true, readOnlyReason: 'suspended' },
      };
      server.answer(200, (url) => (url.includes('/auth/me') ? { user: identity.me } : suspended));
      await desk.confirmed;
      expect(desk.canWrite).toBe(false);
      expect(desk.workspace?.readOnlyReason).toBe('suspended');
      expect(desk.error).toBeNull();
    });

    it('ends the desk when the server refuses: signed out asks to log in', async () => {
      const { desk, server } = await startedBeforeTheServerAnswers(rememberIdentity());
      server.answer(401, () => ({ error: { code: 'unauthorized', message: 'Log in again.' } }));
      await desk.confirmed;
      expect(desk.error).toBe('Log in again.');
      expect(desk.needsLogin).toBe(true);
    });

    it('ends the desk when the server refuses: no longer a member', async () => {
      const { desk, server } = await startedBeforeTheServerAnswers(rememberIdentity());
      server.answer(404, () => ({ error: { code: 'not_found', message: 'No such workspace.' } }));
      await desk.confirmed;
      expect(desk.error).not.toBeNull();
      expect(desk.needsLogin).toBe(false);
    });

    it('opens the page again when another account is signed in at this address', async () => {
      const identity = rememberIdentity();
      const { desk, server, reopened } = await startedBeforeTheServerAnswers(identity);
      const other = { ...identity.me, id: 'u-cid', displayName: 'Cid' };
      server.answer(200, (url) =>
        url.includes('/auth/me') ? { user: other } : identity.workspace,
      );
      await desk.confirmed;
      expect(reopened).toEqual([identity.slug]);
      expect(desk.error).toMatch(/another account/);
      const cached = JSON.parse(localStorage.getItem(`desk:identity:${identity.slug}`)!) as {
        me: { id: string };
      };
      expect(cached.me.id).toBe('u-cid');
    });

    it('keeps going on the cached identity while the server cannot be reached', async () => {
      const identity = rememberIdentity();
      const { desk, server } = await startedBeforeTheServerAnswers(identity);
      server.unreachable();
      await desk.confirmed;
      expect(desk.error).toBeNull();
      expect(desk.canWrite).toBe(true);
    });
  });
});
