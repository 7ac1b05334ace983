import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser } from '../../support/browserWorld.ts';
import { openDeskPages, type DeskWorld } from './deskSupport.ts';

/**
 * Notices, messages, attachments and link cards in Chromium with two members: a pinned
 * notice shows as unread for the other member; a channel message with a Dropbox link and
 * an uploaded image reaches the other side with a provider card, an inline preview and a
 * new-message indicator.
 */
// A 1×1 PNG.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describeInBrowser('notices and messages in the browser', () => {
  let world: DeskWorld;
  let ana: Page;
  let bo: Page;

  beforeAll(async () => {
    ({ world, ana, bo } = await openDeskPages());
  });

  afterAll(async () => {
    await world?.close();
  });

  const nav = (page: Page) => page.getByRole('navigation', { name: 'Workspace' });

  it('posts a pinned notice that the other member sees as unread', async () => {
    await ana.goto(`${world.base}/w/${world.slug}/notices`);
    await bo.goto(`${world.base}/w/${world.slug}`);
    await ana.getByText('No notices yet').waitFor();
    await ana.getByLabel('Title of a new notice').fill('Office closed on Friday');
    await ana.getByRole('button', { name: 'Post' }).click();
    await ana.getByRole('button', { name: 'Pin to top' }).click();
    await ana.getByRole('textbox', { name: 'Notice text' }).click();
    await ana.keyboard.type('The support line stays open.');

    await nav(bo).getByLabel('1 unread').waitFor();
    await nav(bo)
      .getByRole('link', { name: /Notices/ })
      .click();
    await bo.getByRole('button', { name: /Office closed on Friday/ }).click();
    await expect
      .poll(() => bo.getByRole('textbox', { name: 'Notice text' }).innerText())
      .toContain('The support line stays open.');
    await expect.poll(() => nav(bo).getByLabel('1 unread').count()).toBe(0);
  });

  it('sends a channel message with a Dropbox link and an image to the other member', async () => {
    await nav(ana).getByRole('link', { name: 'Messages' }).click();
    await ana.getByText('No channels yet').first().waitFor();
    await ana.getByLabel('New channel').fill('Outages');
    await ana.getByRole('button', { name: 'Create channel' }).click();
    await ana.getByRole('heading', { name: '# outages' }).waitFor();

    await ana.getByLabel('Attach files').setInputFiles({
      name: 'router.png',
      mimeType: 'image/png',
      buffer: png,
    });
    await ana.getByRole('button', { name: 'Remove router.png' }).waitFor();
    await ana
      .getByTestId('composer')
      .fill('Logs: https://www.dropbox.com/s/abc/router-logs.zip?dl=0');
    await ana.getByTestId('composer').dispatchEvent('input');
    await ana.getByRole('button', { name: 'Send message' }).click();

    // Bo is elsewhere: the channel shows up with a new-message dot.
    const channelLink = nav(bo).getByRole('link', { name: /# outages/ });
    await channelLink.getByLabel('new messages').waitFor();
    await channelLink.click();
    const message = bo.getByTestId('message').filter({ hasText: 'Logs:' });
    await message.waitFor();
    const card = message.getByTestId('link-card');
    expect(await card.getAttribute('data-provider')).toBe('dropbox');
    await card.getByText('Dropbox').waitFor();
    const image = message.getByRole('img', { name: 'router.png' });
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((img) => (img as HTMLImageElement).naturalWidth))
      .toBe(1);
    await expect.poll(() => channelLink.getByLabel('new messages').count()).toBe(0);
  });
});
