import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { openOperatorConsole, signedInOwner } from '../../support/browserAccounts.ts';
import {
  describeInBrowser,
  startBrowserWorld,
  type BrowserWorld,
} from '../../support/browserWorld.ts';
import { readOutbox } from '../../support/outbox.ts';
import { waitAllSaved } from './offlinePage.ts';

/**
 * Versioned terms in the browser (issue 16): the operator publishes a new version from the
 * console, effective now (the browser world's server runs on real time); the user's desk
 * is refused from then on, the user is sent to the terms page, reads what changed and the
 * new text, accepts, and the desk works again. Real server serving the built web app.
 */
const CHANGES = 'Section 3 now names the processors we use.';
const LATER_CHANGES = 'Section 5: the app makes no third-party requests.';

describeInBrowser('versioned terms in the browser', () => {
  let world: BrowserWorld;

  beforeAll(async () => {
    world = await startBrowserWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('refuses the desk once the operator publishes new terms, until the user reads and accepts them', async () => {
    const { base, server } = world;
    const { user, context, page } = await signedInOwner(world, {
      email: 'uma@example.com',
      displayName: 'Uma User',
      slug: 'lighthouse',
    });
    await page.goto(`${base}/w/lighthouse`);
    await page.getByText('No tickets yet').waitFor();
    await waitAllSaved(page);

    // The operator publishes version 2 from the console, effective now.
    const { userId: operatorId, context: opsContext, page: ops } = await openOperatorConsole(world);
    await ops.getByRole('tab', { name: 'Terms' }).click();
    await ops.locator('[data-version="1"]').waitFor();
    const text = ops.getByLabel('Full text');
    await expect.poll(() => text.inputValue()).toContain('Term of Services');
    await text.fill('Term of Services, version 2.\n\n3. Processors: Example Hosting Ltd.');
    await ops.getByLabel(/What changed/).fill(CHANGES);
    await ops.getByLabel('Now').check();
    ops.on('dialog', (dialog) => void dialog.accept());
    await ops.getByRole('button', { name: 'Publish' }).click();
    await ops.getByText('Version 2 is published').waitFor();
    await ops.locator('[data-version="2"]').waitFor();
    await opsContext.close();

    // Every user is emailed (the outbox here; SMTP when configured).
    await expect
      .poll(() => readOutbox(server.ctx.config.DATA_DIR, 'uma@example.com').map((m) => m.text))
      .toContainEqual(expect.stringContaining(CHANGES));

    // A third version follows before Uma comes back: she skipped version 2, so she must read
    // what both changed, not only the last one's note.
    await server.services.control.terms.publish({
      text: 'Term of Services, version 3.\n\n3. Processors: Example Hosting Ltd.',
      changes: LATER_CHANGES,
      effectiveAt: Date.now(),
      publishedBy: operatorId,
    });
    await server.services.termsEffectiveDates.check();

    // From now on the user's API requests are refused with the typed code.
    const refused = await page.request.get(`${base}/api/workspaces/lighthouse`);
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      ErrorCode.termsNotAccepted,
    );

    // Opening the desk again leads to the terms page: what changed, the new text, Accept.
    await page.goto(`${base}/w/lighthouse`);
    await page.waitForURL('**/terms');
    await page.getByTestId('terms-required').waitFor();
    await page.getByTestId('terms-changes').filter({ hasText: CHANGES }).waitFor();
    await page.getByTestId('terms-changes').filter({ hasText: LATER_CHANGES }).waitFor();
    expect(await page.getByTestId('terms-changes').allInnerTexts()).toEqual([
      `Version 2: ${CHANGES}`,
      `Version 3: ${LATER_CHANGES}`,
    ]);
    await page.getByTestId('terms-text').filter({ hasText: 'Example Hosting Ltd.' }).waitFor();
    await page.getByRole('button', { name: 'I accept the terms of service' }).click();

    // Accepted: back to the desk, which syncs and works again.
    await page.waitForURL('**/w/lighthouse');
    await page.getByText('No tickets yet').waitFor();
    await waitAllSaved(page);
    await page.getByRole('button', { name: /New ticket/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New ticket' });
    await dialog.getByLabel('Title').fill('Printer on floor 2 is offline');
    await dialog.getByRole('button', { name: 'Create ticket' }).click();
    await page.getByRole('heading', { level: 1, name: 'Printer on floor 2 is offline' }).waitFor();
    await waitAllSaved(page);
    // Recorded in the server's terms store (its PostgreSQL database on a cluster).
    expect(await server.services.control.terms.acceptedBy(user.userId)).toBe(3);
    await context.close();
  });
});
