import { afterAll, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds } from '@desk/model';
import {
  allowPageErrors,
  describeInBrowser,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';
import { signUpOwner, type Workspace } from './offlineAccounts.ts';
import {
  loadSynced,
  openSeededTicket,
  signInBrowser,
  waitAllSaved,
  waitForStatus,
} from './offlinePage.ts';
import { startStallingProxy, type StallingProxy } from './offlineProxy.ts';
import { descriptionText, seedTickets, type SeededTicket } from './offlineTickets.ts';

/**
 * Issue 18 #2: a network that goes away without closing the sync socket. The status bar
 * must leave "all changes saved" within the heartbeat's few seconds (not when the browser
 * gives up, minutes later), keep the edit made meanwhile, and sync it when the network is
 * back. These tests never close the socket themselves.
 */

/** What the status bar may say while the server cannot confirm: never "all changes saved". */
const NOT_SAVED = /^(Offline|Saving… \(not yet confirmed by the server\))/;

/** Generous: the heartbeat needs seconds; a busy machine may need more. Never a speed check. */
const DETECTION_DEADLINE_MS = 45_000;

describeInBrowser('a half-open network (issue 18 #2)', () => {
  let proxy: StallingProxy;
  let world: BrowserWorld;

  beforeAll(async () => {
    // The browser reaches the server only through the proxy: PUBLIC_URL is the proxy's.
    proxy = await startStallingProxy();
    world = await startBrowserWorld({ publicPort: proxy.port });
    proxy.target = world.serverPort;
  });
  afterAll(async () => {
    await world?.close();
    await proxy?.close();
  });

  async function deskWithTicket(name: string, slug: string) {
    const { owner, workspace } = await signUpOwner(world, name, slug);
    const [ticket] = await seedTickets(world, owner, workspace, 1);
    // A plain context: no routing of the sync socket, so nothing closes it for the test.
    const context = await world.browser.newContext();
    const page = await context.newPage();
    await signInBrowser(context, world.base, owner);
    const workspaceUrl = `${world.base}/w/${slug}`;
    await loadSynced(page, workspaceUrl);
    const description = await openSeededTicket(page, workspaceUrl, ticket!);
    await waitAllSaved(page);
    return { owner, workspace, ticket: ticket!, context, page, description };
  }

  /** The ticket's description as the server stores it. */
  async function serverDescription(workspace: Workspace, ticket: SeededTicket): Promise<string> {
    const doc = new Y.Doc();
    Y.applyUpdate(
      doc,
      await world.server.sync.readDocState(docIds.ticket(workspace.id, ticket.id)),
    );
    return descriptionText(doc);
  }

  async function untilServerHas(workspace: Workspace, ticket: SeededTicket, text: string) {
    await expect
      .poll(() => serverDescription(workspace, ticket), { timeout: 60_000 })
      .toContain(text);
  }

  it('with context.setOffline(true) alone: leaves "all changes saved", keeps the edit, syncs it when back online', async () => {
    const { workspace, ticket, context, page, description } = await deskWithTicket('Hal', 'hal');
    // Going offline fails the page's requests and reconnect attempts; that is the point.
    allowPageErrors(
      /^Failed to load resource: net::ERR_INTERNET_DISCONNECTED$/,
      /^WebSocket connection to '.*\/sync' failed/,
    );

    await context.setOffline(true); // the open WebSocket is left alone by Chromium
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Typed on a dead network. ');
    await waitForStatus(page, NOT_SAVED, DETECTION_DEADLINE_MS);
    await waitForStatus(page, /^Offline/, DETECTION_DEADLINE_MS);
    expect(await serverDescription(workspace, ticket)).not.toContain('Typed on a dead network.');
    await description.filter({ hasText: 'Typed on a dead network.' }).waitFor();

    await context.setOffline(false);
    await waitAllSaved(page);
    await untilServerHas(workspace, ticket, 'Typed on a dead network.');
    await context.close();
  });

  it('through a proxy that stops forwarding: the heartbeat notices, the edit is kept and synced once the proxy forwards again', async () => {
    const { workspace, ticket, context, page, description } = await deskWithTicket('Pia', 'pia');
    // While the proxy refuses connections, reconnect attempts fail (and say so in the log).
    allowPageErrors(/^WebSocket connection to '.*\/sync' failed/, /^Failed to load resource/);

    proxy.stall(); // the socket stays open at both ends; nothing passes any more
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Typed behind a hung proxy. ');
    // First "not yet confirmed" (the edit waits for its ack), then offline (no pong).
    await waitForStatus(page, NOT_SAVED, DETECTION_DEADLINE_MS);
    await waitForStatus(page, /^Offline/, DETECTION_DEADLINE_MS);
    expect(await page.getByTestId('offline-status-text').innerText()).not.toMatch(
      /all changes saved/,
    );
    expect(await serverDescription(workspace, ticket)).not.toContain('Typed behind a hung proxy.');

    proxy.resume();
    await waitAllSaved(page);
    await untilServerHas(workspace, ticket, 'Typed behind a hung proxy.');
    await description.filter({ hasText: 'Typed behind a hung proxy.' }).waitFor();
    await context.close();
  });
});
