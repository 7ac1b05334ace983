import type { Page } from 'playwright-core';
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
/**
 * Types shortcut letters and checks none fired: the read-only editor holds the focus (a
 * keydown's target), the shortcut help is closed, the page is still the ticket. Shortcuts
 * act synchronously in the keydown (the help opens on the next microtask), so the checks
 * after `type` has returned see their effect.
 */
async function expectTypingIsNotShortcuts(page: Page, ticketPath: string): Promise<void> {
  await page.keyboard.type('?gt');
  const focused = await page.evaluate(() => ({
    role: document.activeElement?.getAttribute('role') ?? null,
    readonly: document.activeElement?.getAttribute('aria-readonly') ?? null,
  }));
  expect(focused).toEqual({ role: 'textbox', readonly: 'true' });
  expect(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible()).toBe(false);
  expect(new URL(page.url()).pathname).toBe(ticketPath);
}

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
    const ticketPath = new URL(page.url()).pathname;
    await description.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Written before.');
    await expect
      .poll(() => serverDescription(workspace.id, ticket.id))
      .toContain('Written before.');

    // Suspended while the ticket is open and its editor has the focus: the server refuses
    // what is typed next, and the editor turns read-only under the caret.
    await offline.world.server.services.subscriptionChanges.transition(workspace.id, 'suspended', {
      suspendedReason: 'operator',
      actor: { kind: 'operator', userId: null },
    });
    await page.keyboard.type(' 1111 1111 1111');
    await waitForStatus(page, /read-only now/);
    // The refused digits rebuild the replica ('replaced') and the editor is mounted again:
    // the new one takes the focus, so letters typed now are not the desk's shortcuts ("?"
    // opens the shortcut help, "g t" leaves for the ticket list).
    await page.getByTestId('description').filter({ hasNotText: '1111' }).waitFor();
    await expectTypingIsNotShortcuts(page, ticketPath);

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
    // Read-only from the start (as for a viewer): a click focuses the editor, letters
    // typed there are not shortcuts either.
    await description.click();
    await expectTypingIsNotShortcuts(page, ticketPath);
    expect(await description.textContent()).not.toContain('?');
    await desk.context.close();
  });
});
