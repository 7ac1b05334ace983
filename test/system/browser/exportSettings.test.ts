import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { createTicket } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/**
 * Workspace export in a real browser (issue 16): the owner starts an export in Settings,
 * sees it listed while it is built, and downloads the zip from the link that appears when
 * it is ready.
 */
describeInBrowser('workspace export in the browser', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('is started in Settings, listed while it is built, and downloads as a zip', async () => {
    const workspace = world.server.services.workspaces.bySlug(world.slug)!;
    for (let i = 1; i <= 20; i += 1) {
      await createTicket(world.server.sync, workspace.id, `export-${i}`, `Ticket ${i}`, i);
    }
    const owner = await signedInContext(world, world.owner.client);
    await owner.page.goto(`${world.base}/w/${world.slug}/settings`);
    const section = owner.page.getByRole('region', { name: 'Export this workspace' });
    await section.getByRole('button', { name: 'Export workspace' }).click();
    // Listed at once (queued or being built, with its progress), then ready.
    await section.getByTestId('export-row').first().waitFor();
    const link = section.getByTestId('export-download');
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([owner.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${world.slug}-export-.*\\.zip$`));
    const file = await download.path();
    expect(fs.readFileSync(file).subarray(0, 2).toString()).toBe('PK');
    await owner.context.close();
  });
});
