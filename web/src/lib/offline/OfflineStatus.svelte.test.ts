import { DocErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDeskWorkspace } from '../../testing/deskWorkspace.ts';
import { changedTickets } from './changedTickets.svelte.ts';
import { offlineDevice } from './offlineDevice.svelte.ts';
import { OfflineStatus, type OfflineWorkspace } from './OfflineStatus.svelte.ts';
import { OfflineSync, type DocRefusal } from './OfflineSync.ts';
import { offlineUploads } from './offlineUploads.svelte.ts';

/**
 * A socket to a server that cannot be reached: it never opens, as on a device without a
 * network. Everything else is real: the SyncClient, its IndexedDB replica (fake-indexeddb),
 * the upload queue and the desk's local workspace.
 */
class UnreachableSocket {
  readyState = 0;
  binaryType = 'arraybuffer';
  addEventListener(): void {}
  send(): void {}
  close(): void {}
}

const cleanups: (() => void | Promise<void>)[] = [];
beforeEach(() => {
  vi.stubGlobal('WebSocket', UnreachableSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:9' });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllGlobals();
});

type Desk = Awaited<ReturnType<typeof openDeskWorkspace>>['desk'];

/**
 * The open workspace as the offline layer sees it (what lib/desk's offlineWorkspaceOf makes;
 * written out here, since offline/ must not import desk/, not even in a test).
 */
function offlineWorkspaceOf(desk: Desk): OfflineWorkspace {
  return {
    slug: desk.slug,
    workspaceId: desk.workspace!.id,
    userId: desk.me!.id,
    actor: desk.actor,
    index: desk.index,
    ticketSummaries: () => desk.index.tickets.all(),
    archiveDocIds: () => [],
    loadArchive: () => Promise.resolve(),
    withTicketDoc: (ticketId, action) => desk.withTicketDoc(ticketId, action),
  };
}

/** The status bar's OfflineStatus of a started desk, over a real (unconnected) OfflineSync. */
async function openStatus() {
  const { desk } = await openDeskWorkspace();
  cleanups.push(() => desk.destroy());
  const sync = new OfflineSync(desk.me!.id);
  cleanups.push(() => sync.close());
  const status = new OfflineStatus(sync, offlineWorkspaceOf(desk));
  cleanups.push(() => status.destroy());
  return { desk, sync, status };
}

function picked(ticketId: string, name = 'screenshot.png') {
  return {
    id: `a-${name}`,
    workspaceSlug: '',
    ticketId,
    file: new File([new Uint8Array(10)], name, { type: 'image/png' }),
    uploadedBy: 'u-ann',
  };
}

describe('OfflineStatus', () => {
  it("attaches the open workspace to this tab's device settings, changed tickets and uploads while it runs, and lets go when closed", async () => {
    const { status } = await openStatus();
    expect(offlineUploads.available).toBe(false);

    status.start();
    expect(offlineDevice.status).toBe(status);
    expect(offlineUploads.available).toBe(true);

    status.destroy();
    expect(offlineDevice.status).toBeNull();
    expect(offlineUploads.available).toBe(false);
    expect(changedTickets.ids.size).toBe(0);
  });

  it('counts a file picked offline as unsynced work: leaving warns until it is removed', async () => {
    const { desk, status } = await openStatus();
    status.start();
    const { id } = desk.createTicket({ title: 'Printer jammed' });
    expect(status.warnBeforeLeaving).toBe(false);

    await offlineUploads.add({ ...picked(id), workspaceSlug: desk.slug });
    await until(() => offlineUploads.items.length === 1, 'the queued file listed');
    expect(offlineUploads.forTicket(id).map((item) => item.name)).toEqual(['screenshot.png']);
    expect(offlineUploads.forTicket('another')).toEqual([]);
    expect(status.unsynced).toBe(1);
    expect(status.warnBeforeLeaving).toBe(true);

    await offlineUploads.remove('a-screenshot.png');
    await until(() => offlineUploads.items.length === 0, 'the removed file gone from the list');
    expect(status.warnBeforeLeaving).toBe(false);
  });

  it('keeps the chosen offline mode for this device and workspace across starts', async () => {
    const { desk, sync, status } = await openStatus();
    expect(status.mode).toBe('needed');
    status.setMode('everything');
    status.destroy();

    const again = new OfflineStatus(sync, offlineWorkspaceOf(desk));
    cleanups.push(() => again.destroy());
    expect(again.mode).toBe('everything');
  });

  it('shows the connection as the client reports it, never synced while the server cannot be reached', async () => {
    const { status } = await openStatus();
    status.start();
    expect(status.connection.kind).toBe('connecting');
    expect(status.description.tone).not.toBe('ok');
  });

  it('does not take the end of a dropped index generation for a lost membership (IDX-GEN-6)', async () => {
    const { desk } = await openDeskWorkspace();
    cleanups.push(() => desk.destroy());
    const sync = new OfflineSync(desk.me!.id);
    cleanups.push(() => sync.close());
    // The refusals the client reports, handed to the status as OfflineSync would.
    const listeners: ((refusal: DocRefusal) => void)[] = [];
    const reporting = new Proxy(sync, {
      get(target, key) {
        if (key === 'onRefusal') {
          return (listener: (refusal: DocRefusal) => void) => {
            listeners.push(listener);
            return () => undefined;
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const status = new OfflineStatus(reporting, offlineWorkspaceOf(desk));
    cleanups.push(() => status.destroy());
    status.start();
    const ws = desk.workspace!.id;
    const refuse = (docId: string) => {
      for (const listener of listeners) {
        listener({ docId, code: DocErrorCode.accessRevoked, message: 'Removed.', at: 1 });
      }
    };
    refuse(`${ws}:index`);
    refuse(`${ws}:index:g2`);
    expect(status.refusal).toBeNull();
    // A removed membership refuses the user's doc (and every other) too.
    refuse(`${ws}:user:${desk.me!.id}`);
    expect(status.refusal).toBe(DocErrorCode.accessRevoked);
  });
});
