import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds } from '@desk/model';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openOwnerDesk } from './offlineDesk.ts';
import { loadSynced, openSeededTicket, waitForStatus } from './offlinePage.ts';
import { descriptionText } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

/**
 * Typing into a ticket of a suspended (read-only) workspace (issue 18.3): the page refuses
 * the edit quietly and throws nothing (it threw Svelte's state_unsafe_mutation at every
 * keystroke). The page-error check of describeInBrowser is the assertion that nothing threw.
 */
describeInBrowser('a read-only workspace in the browser', () => {
  const offline = useOfflineWorld();

  async function serverDescription(workspaceId: string, ticketId: string): Promise<string> {
    const doc = new Y.Doc();
    const state = await offline.world.server.sync.readDocState(
      docIds.ticket(workspaceId, ticketId),
    );
    Y.applyUpdate(doc, state);
    return descriptionText(doc);
  }

  it('lets a member type into a ticket of a workspace suspended while it is open, without a page error', async () => {
    const desk = await openOwnerDesk(offline.world, 'Sam', 'frozen', 1);
    const { page, workspaceUrl, workspace } = desk;
    const ticket = desk.tickets[0]!;
    await loadSynced(page, workspaceUrl);
    const description = await openSeededTicket(page, workspaceUrl, ticket);
    await description.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Written before.');
    await expect
      .poll(() => serverDescription(workspace.id, ticket.id))
      .toContain('Written before.');

    // Suspended while the ticket is open and its editor has the focus: the server refuses
    // what is typed next. Digits only: once the editor turns read-only it loses the focus,
    // and letters typed then are the desk's keyboard shortcuts.
    offline.world.server.services.subscriptionChanges.transition(workspace.id, 'suspended', {
      suspendedReason: 'operator',
      actor: { kind: 'operator', userId: null },
    });
    await page.keyboard.type(' 1111 1111 1111');
    await waitForStatus(page, /read-only now/);

    // After a reload the page knows: read-only from the start, typing changes nothing.
    page.on('dialog', (dialog) => void dialog.accept()); // leaving with a refused change
    await page.reload();
    await page
      .locator('[data-reason]')
      .filter({ hasText: /suspended/ })
      .waitFor();
    await description.filter({ hasText: 'Written before.' }).waitFor();
    await description.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' 2222');
    expect(await page.getByTestId('composer').isDisabled()).toBe(true);
    expect(await description.textContent()).not.toContain('2222');
    await desk.context.close();
  });
});
