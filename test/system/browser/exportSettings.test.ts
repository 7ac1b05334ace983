import fs from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeInBrowser, signedInContext } from '../../support/browserWorld.ts';
import { createTicket } from '../../../sync-server/src/testing/snapshotTestSupport.ts';
import { startDeskWorld, type DeskWorld } from './deskSupport.ts';

/** Tickets seeded: more than the 100 documents after which a running export writes progress. */
const TICKETS = 120;

/**
 * Workspace export in a real browser (issue 16): the owner starts an export in Settings and
 * watches its progress while it is built (the job is held at two points on the server, so
 * what the page shows is not a race), then downloads the zip; an admin who did not ask for
 * it sees it listed but is told that only the owner can download it.
 */
describeInBrowser('workspace export in the browser', () => {
  let world: DeskWorld;

  beforeAll(async () => {
    world = await startDeskWorld();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await world?.close();
  });

  /**
   * Holds the export's document reads: the first one, and the one after the first 100
   * (when the job has written its progress). `release(n)` lets hold `n` go on.
   */
  function holdExport() {
    const heavy = world.server.ctx.offThread;
    const original = heavy.run.bind(heavy);
    const holds = [1, 101].map(() => {
      let reached!: () => void;
      let release!: () => void;
      return {
        reached: new Promise<void>((resolve) => (reached = resolve)),
        gate: new Promise<void>((resolve) => (release = resolve)),
        arrive: () => reached(),
        release: () => release(),
      };
    });
    let reads = 0;
    vi.spyOn(heavy, 'run').mockImplementation(async (...args) => {
      if (args[0] === 'exportDoc') {
        reads += 1;
        const hold = reads === 1 ? holds[0] : reads === 101 ? holds[1] : undefined;
        if (hold) {
          hold.arrive();
          await hold.gate;
        }
      }
      return original(...args);
    });
    return holds;
  }

  it('shows its progress while it is built, downloads as a zip for the owner, and only for the owner', async () => {
    const workspace = (await world.server.services.control.workspaces.bySlug(world.slug))!;
    for (let i = 1; i <= TICKETS; i += 1) {
      await createTicket(world.server.sync, workspace.id, `export-${i}`, `Ticket ${i}`, i);
    }
    // Bo becomes an admin: admins see the workspace's exports too.
    const promoted = await world.owner.client.request(
      'PATCH',
      `/api/workspaces/${world.slug}/members/${world.agent.userId}`,
      { body: { role: 'admin' } },
    );
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    const [first, hundredth] = holdExport();

    const owner = await signedInContext(world, world.owner.client);
    await owner.page.goto(`${world.base}/w/${world.slug}/settings`);
    const section = owner.page.getByRole('region', { name: 'Export this workspace' });
    await section.getByRole('button', { name: 'Export workspace' }).click();
    const row = section.getByTestId('export-row').first();
    const progress = row.getByRole('progressbar', { name: 'Export progress' });

    // Held at its first document: listed as being built, nothing done yet, a second refused.
    await first!.reached;
    await expect.poll(() => row.getAttribute('data-state')).toBe('running');
    await expect.poll(() => row.textContent()).toMatch(/Being built.*0 of \d+/s);
    const total = Number(/0 of (\d+)/.exec((await row.textContent()) ?? '')?.[1]);
    expect(total).toBeGreaterThan(TICKETS);
    expect(await progress.getAttribute('value')).toBe('0');
    expect(await section.getByRole('button', { name: 'Export in progress…' }).isDisabled()).toBe(
      true,
    );

    // Held after 100 documents: the page has polled the progress the job wrote.
    first!.release();
    await hundredth!.reached;
    await expect.poll(() => row.textContent()).toContain(`100 of ${total}`);
    expect(await progress.getAttribute('value')).toBe(String(Math.floor((100 * 100) / total)));
    hundredth!.release();

    const link = section.getByTestId('export-download');
    await link.waitFor({ timeout: 60_000 });
    expect(await row.getAttribute('data-state')).toBe('ready');
    const [download] = await Promise.all([owner.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${world.slug}-export-.*\\.zip$`));
    const file = await download.path();
    expect(fs.readFileSync(file).subarray(0, 2).toString()).toBe('PK');

    // The admin sees the export but no link: only the person who asked can download it.
    const admin = await signedInContext(world, world.agent.client);
    await admin.page.goto(`${world.base}/w/${world.slug}/settings`);
    const theirs = admin.page.getByRole('region', { name: 'Export this workspace' });
    const listed = theirs.getByTestId('export-row').first();
    await listed.waitFor();
    expect(await listed.getAttribute('data-state')).toBe('ready');
    await expect.poll(() => listed.textContent()).toContain('Only Ana Owner can download it.');
    expect(await theirs.getByTestId('export-download').count()).toBe(0);
    await admin.context.close();
    await owner.context.close();
  });
});
