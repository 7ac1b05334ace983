import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { docIds } from '@desk/model';
import type { InvitableRole as Role } from '@desk/protocol';
import { describeInBrowser } from '../../support/browserWorld.ts';
import {
  inviteMember,
  requestOk,
  signUpOwner,
  type Account,
  type Workspace,
} from './offlineAccounts.ts';
import { loadSynced, openSeededTicket, openSignedInPage } from './offlinePage.ts';
import { descriptionText, seedTickets } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';

/**
 * A member's role changes while the desk is open: the page follows the server both ways
 * without a reload. Write access lost (made viewer) and given back (agent again) left the
 * page read-only until a reload: the loss was a latch.
 */
describeInBrowser('role changes followed live', () => {
  const offline = useOfflineWorld();

  async function setRole(owner: Account, workspace: Workspace, member: Account, role: Role) {
    await requestOk(
      owner.http,
      'PATCH',
      `/api/workspaces/${workspace.slug}/members/${member.userId}`,
      {
        role,
      },
    );
  }

  async function serverDescription(workspace: Workspace, ticketId: string): Promise<string> {
    const doc = new Y.Doc();
    Y.applyUpdate(
      doc,
      await offline.world.server.sync.readDocState(docIds.ticket(workspace.id, ticketId)),
    );
    return descriptionText(doc);
  }

  async function expectWritable(composer: Locator, description: Locator, writable: boolean) {
    await expect.poll(() => composer.isDisabled()).toBe(!writable);
    await expect.poll(() => description.getAttribute('contenteditable')).toBe(String(writable));
  }

  /** Ben's page on the seeded ticket, after the first sync. */
  async function openAsMember(slug: string, role: Role) {
    const { world } = offline;
    const { owner, workspace } = await signUpOwner(world, `Own${slug}`, slug);
    const [ticket] = await seedTickets(world, owner, workspace, 1);
    const ben = await inviteMember(world, owner, workspace, `Ben${slug}`);
    if (role !== 'agent') await setRole(owner, workspace, ben, role);
    const { context, page } = await openSignedInPage(world, ben);
    const url = `${world.base}/w/${slug}`;
    await loadSynced(page, url);
    const description = await openSeededTicket(page, url, ticket!);
    return { owner, workspace, ben, ticket: ticket!, context, page, description };
  }

  it('turns read-only when made viewer and writable again when made agent again', async () => {
    const { owner, workspace, ben, ticket, context, page, description } = await openAsMember(
      'roleback',
      'agent',
    );
    const composer = page.getByTestId('composer');
    await expectWritable(composer, description, true);

    await setRole(owner, workspace, ben, 'viewer');
    await expectWritable(composer, description, false);

    await setRole(owner, workspace, ben, 'agent');
    await expectWritable(composer, description, true);
    await page.getByTestId('read-only-notice').waitFor({ state: 'detached' });
    await description.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Written as an agent again.');
    await expect
      .poll(() => serverDescription(workspace, ticket.id))
      .toContain('Written as an agent again.');
    await context.close();
  });

  it('makes a page opened by a viewer writable when the viewer is made agent', async () => {
    const { owner, workspace, ben, ticket, context, page, description } = await openAsMember(
      'promoted',
      'viewer',
    );
    const composer = page.getByTestId('composer');
    await expectWritable(composer, description, false);

    await setRole(owner, workspace, ben, 'agent');
    await expectWritable(composer, description, true);
    await description.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Written after the promotion.');
    await expect
      .poll(() => serverDescription(workspace, ticket.id))
      .toContain('Written after the promotion.');
    await context.close();
  });
});
