import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testImage } from '../../../sync-server/src/testing/testImages.ts';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openDeskPages, type DeskWorld } from './deskSupport.ts';
import { uploadToTicket } from './uploadToTicket.ts';

/**
 * A ticket's attachment list in Chromium (issue 17, attachments): an uploaded photo is shown
 * as the server's thumbnail (a 320 px WebP, not the full image) to both members, and an
 * HTML page renamed to .png is listed as a file to download, never rendered.
 */
describeInBrowser('attachments in the browser', () => {
  let world: DeskWorld;
  let ana: Page;
  let bo: Page;
  let ticketUrl: string;

  beforeAll(async () => {
    ({ world, ana, bo } = await openDeskPages());
    await ana.goto(`${world.base}/w/${world.slug}`);
    await ana.getByRole('button', { name: /New ticket/ }).click();
    const dialog = ana.getByRole('dialog', { name: 'New ticket' });
    await dialog.getByLabel('Title').fill('Printer shows a red light');
    await dialog.getByRole('button', { name: 'Create ticket' }).click();
    await ana.waitForURL(/\/t\/[^/]+$/);
    ticketUrl = ana.url();
  });

  afterAll(async () => {
    await world?.close();
  });

  /** The image's size as the browser decoded it, and the URL it was loaded from. */
  const loaded = (page: Page, name: string) =>
    page
      .getByRole('img', { name })
      .evaluate(
        (img: HTMLImageElement) => `${img.naturalWidth}×${img.naturalHeight} ${img.currentSrc}`,
      );

  it('shows an uploaded photo as its thumbnail, to the uploader and the other member', async () => {
    const photo = await testImage('jpeg', 1600, 1200);
    await uploadToTicket(ana, {
      name: 'printer.jpg',
      mimeType: 'image/jpeg',
      buffer: photo,
    });
    await expect.poll(() => loaded(ana, 'printer.jpg')).toMatch(/^320×240 .*\/thumbnail$/);

    await bo.goto(ticketUrl);
    await expect.poll(() => loaded(bo, 'printer.jpg')).toMatch(/^320×240 .*\/thumbnail$/);
    // The full image is one click away.
    const full = await bo
      .getByTestId('attachment')
      .filter({ hasText: 'printer.jpg' })
      .getByRole('link')
      .first()
      .getAttribute('href');
    expect(full).toMatch(/\/blobs\/[0-9a-f]{64}$/);
  });

  it('lists an HTML page renamed to .png as a file to download, never as an image', async () => {
    await uploadToTicket(ana, {
      name: 'invoice.png',
      mimeType: 'image/png',
      buffer: Buffer.from('<!doctype html><script>parent.alert(1)</script>'),
    });
    const card = ana.getByTestId('attachment').filter({ hasText: 'invoice.png' });
    await card.waitFor();
    expect(await card.getAttribute('data-kind')).toBe('file');
    expect(await card.locator('img, iframe, object, embed').count()).toBe(0);
    expect(await card.getByRole('link', { name: 'invoice.png' }).getAttribute('href')).toMatch(
      /\?download=1$/,
    );
  });
});
