import { expect, it } from 'vitest';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openOwnerDesk } from './offlineDesk.ts';
import { loadSynced, waitAllSaved } from './offlinePage.ts';
import { useOfflineWorld } from './offlineWorld.ts';

describeInBrowser('a local save that fails is shown at once (non-negotiable 3)', () => {
  const offline = useOfflineWorld();

  it('says so while offline, warns before leaving, clears once storage works, and loses nothing', async () => {
    const desk = await openOwnerDesk(offline.world, 'Ana', 'full', 1);
    const { workspaceUrl, context, network, page } = desk;
    const [ticket] = desk.tickets;
    await loadSynced(page, `${workspaceUrl}/t/${ticket!.number}`, { serviceWorker: true });
    const description = page.getByTestId('description');
    await description.filter({ hasText: 'Description of ticket 1.' }).waitFor();
    await network.offline();

    // The browser's storage fills up: every write of the update log is refused.
    await page.evaluate(() => {
      const realAdd = IDBObjectStore.prototype.add;
      (globalThis as { restoreAdd?: () => void }).restoreAdd = () => {
        IDBObjectStore.prototype.add = realAdd;
      };
      IDBObjectStore.prototype.add = () => {
        throw new DOMException('storage full', 'QuotaExceededError');
      };
    });
    await description.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Unsaved at first. ');
    const warning = page.getByTestId('local-save-failed');
    await warning
      .filter({ hasText: 'This browser could not save your changes on this device' })
      .waitFor();
    expect(await warning.getAttribute('title')).toContain('storage for this site is full');
    expect(await page.getByTestId('offline-status').getAttribute('data-local-save')).toBe('failed');

    // Leaving would lose the change: the page asks first (dismissed: we stay).
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.dismiss();
    });
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => dialogs).toEqual(['beforeunload']);
    expect(page.isClosed()).toBe(false);

    // Space freed: the next change is stored with the one that failed, the warning goes.
    await page.evaluate(() => (globalThis as { restoreAdd?: () => void }).restoreAdd?.());
    await page.keyboard.type('Saved later. ');
    await warning.waitFor({ state: 'detached' });

    // Still offline, a reload finds both changes on this device.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.reload();
    await description
      .filter({ hasText: 'Unsaved at first. Saved later. Description of ticket 1.' })
      .waitFor();
    await network.online();
    await waitAllSaved(page);
    await context.close();
  });
});
