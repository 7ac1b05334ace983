import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { ChannelDoc, docIds, NoticeDoc, postComment } from '@desk/model';
import { testImage } from '../../../sync-server/src/testing/testImages.ts';
import { contentDisabledWords } from '@desk/protocol';
import { describeInBrowser, type BrowserWorld } from '../../support/browserWorld.ts';
import { openOperatorConsole, type OperatorConsole } from '../../support/browserAccounts.ts';
import { inviteMember, signUpOwner, type Account, type Workspace } from './offlineAccounts.ts';
import { loadSynced, openSignedInPage, waitForStatus, type SignedInPage } from './offlinePage.ts';
import { reserveTicketNumbers, writeTickets } from './offlineTickets.ts';
import { useOfflineWorld } from './offlineWorld.ts';
import { uploadToTicket } from './uploadToTicket.ts';

/**
 * Reporting and disabling access (issue 17, terms §4) in a real browser: two members and the
 * operator. Ana (the owner) reports Bo's comment and Bo's ticket; the operator sees each case
 * with only the reported item and disables access with a reason; both members see the marker
 * in the ticket list, on the ticket and in place of the comment without reloading, and after
 * a reload offline; the operator re-enables; the content is back; Ana sees the reports and
 * every decision in Settings. Then: a case the operator opens from an intellectual-property
 * notice against an uploaded file, and reports of a channel message and of a notice.
 */
const COMMENT_TEXT = 'You are all idiots and I know where you live.';
const REPORTED_TITLE = 'Free crypto for everyone who clicks here';
const OTHER_TITLE = 'Printer on the third floor jams';
const COMMENT_REASON = 'Harassment of other members';
const TICKET_REASON = 'Deceptive material';
const BACK_REASON = 'Reviewed again: it may stay';

describeInBrowser('reporting and disabling access (terms §4)', () => {
  const offline = useOfflineWorld();

  it('report → operator disables with a reason → every member sees the marker, live and offline → re-enabled → back', async () => {
    const world = offline.world;
    const { owner: ana, workspace } = await signUpOwner(world, 'Ana', 'moderated');
    const bo = await inviteMember(world, ana, workspace, 'Bo');
    const seeded = await seedTwoTickets(world, ana, bo, workspace);
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;

    const anaPage = await openSignedInPage(world, ana);
    const boPage = await openSignedInPage(world, bo);
    // Both load the app once online (the service worker then serves it offline).
    await loadSynced(anaPage.page, workspaceUrl, { serviceWorker: true });
    await loadSynced(boPage.page, workspaceUrl, { serviceWorker: true });

    // ── Ana reports Bo's comment, then Bo's ticket ────────────────────────────────────
    await anaPage.page.goto(`${workspaceUrl}/t/${seeded.other.number}`);
    const comment = anaPage.page.getByTestId('comment').filter({ hasText: COMMENT_TEXT });
    await comment.waitFor();
    await report(
      anaPage.page,
      comment.getByRole('button', { name: 'Report this comment' }),
      'Deceptive, disparaging, harassing or obscene material',
      'Threatens the team.',
    );

    await anaPage.page.goto(`${workspaceUrl}/t/${seeded.reported.number}`);
    await anaPage.page.getByRole('heading', { level: 1, name: REPORTED_TITLE }).waitFor();
    await report(
      anaPage.page,
      anaPage.page.getByRole('button', { name: 'Report this ticket' }),
      'Harming or disturbing others',
      'A scam.',
    );

    // Ana waits on the other ticket's page, Bo on the list: neither reloads from here on.
    await anaPage.page.goto(`${workspaceUrl}/t/${seeded.other.number}`);
    await comment.waitFor();
    const boList = liveRows(boPage.page);
    await boList.getByText(REPORTED_TITLE).waitFor();

    // ── The operator sees each case and only its item, and disables access ───────────────
    const operator = await openOperatorConsole(world);
    await operator.page.getByRole('tab', { name: 'Reports and notices' }).click();
    const caseView = await openCase(operator, /comment or internal note/i);
    const reported = caseView.getByTestId('reported-content');
    await reported.getByText(COMMENT_TEXT).waitFor();
    await caseView.getByText('Deceptive, disparaging, harassing or obscene material').waitFor();
    // Only the reported item: not the ticket it is on, nor the other ticket.
    const caseText = await caseView.innerText();
    expect(caseText).not.toContain(OTHER_TITLE);
    expect(caseText).not.toContain(REPORTED_TITLE);
    await decide(caseView, 'Disable access', COMMENT_REASON);

    const ticketCase = await openCase(operator, /^Open the case about the ticket/);
    await ticketCase.getByTestId('reported-content').getByText(REPORTED_TITLE).waitFor();
    expect(await ticketCase.innerText()).not.toContain(COMMENT_TEXT);
    await decide(ticketCase, 'Disable access', TICKET_REASON);

    // ── Both members see the marker without reloading ─────────────────────────────────────
    const commentMarker = contentDisabledWords(COMMENT_REASON);
    const ticketMarker = contentDisabledWords(TICKET_REASON);
    await anaPage.page.getByTestId('comment').getByText(commentMarker).waitFor();
    await expectGone(anaPage.page, COMMENT_TEXT);
    await boList.getByText(ticketMarker).waitFor();
    await expectGone(boPage.page, REPORTED_TITLE);

    // In-app navigation (no reload): the list, the disabled ticket, the comment.
    await sidebarLink(anaPage.page, 'Board').click();
    await anaPage.page.getByTestId('board-card').getByText(ticketMarker).waitFor();
    await expectGone(anaPage.page, REPORTED_TITLE);
    await sidebarLink(anaPage.page, 'Tickets').click();
    await liveRows(anaPage.page).getByText(ticketMarker).waitFor();
    await liveRows(anaPage.page).getByText(ticketMarker).click();
    await anaPage.page.getByTestId('ticket-disabled').getByText(ticketMarker).waitFor();
    await expectGone(anaPage.page, REPORTED_TITLE);
    await liveRows(boPage.page).getByText(OTHER_TITLE).click();
    await boPage.page.getByTestId('comment').getByText(commentMarker).waitFor();
    await expectGone(boPage.page, COMMENT_TEXT);

    // ── A reload offline still hides both (the list is kept with the local copy) ────────────
    await goOfflineAndReload(boPage, `${workspaceUrl}/t/${seeded.other.number}`);
    await boPage.page.getByTestId('comment').getByText(commentMarker).waitFor();
    await expectGone(boPage.page, COMMENT_TEXT);
    await boPage.page.goto(workspaceUrl);
    await liveRows(boPage.page).getByText(ticketMarker).waitFor();
    await expectGone(boPage.page, REPORTED_TITLE);
    await boPage.page.goto(`${workspaceUrl}/t/${seeded.reported.number}`);
    await boPage.page.getByTestId('ticket-disabled').getByText(ticketMarker).waitFor();
    await boPage.network.online();
    await boPage.page.goto(workspaceUrl);
    await liveRows(boPage.page).getByText(ticketMarker).waitFor();

    // ── The operator re-enables both; the content is back, without reloading ───────────────
    await decide(
      await openCase(operator, /comment or internal note/i),
      'Re-enable access',
      BACK_REASON,
    );
    await decide(
      await openCase(operator, /^Open the case about the ticket/),
      'Re-enable access',
      BACK_REASON,
    );
    await liveRows(boPage.page).getByText(REPORTED_TITLE).waitFor();
    await anaPage.page.getByRole('heading', { level: 1, name: REPORTED_TITLE }).waitFor();
    await expectGone(anaPage.page, ticketMarker);
    await liveRows(boPage.page).getByText(OTHER_TITLE).click();
    await boPage.page.getByTestId('comment').getByText(COMMENT_TEXT).waitFor();
    await expectGone(boPage.page, commentMarker);

    // ── The owner sees the reports about the workspace and every decision ───────────────────
    await anaPage.page.goto(`${workspaceUrl}/settings`);
    const section = anaPage.page.getByRole('region', { name: 'Reports and decisions' });
    const reports = section.getByRole('list', { name: 'Reports' });
    await reports.getByText('Harming or disturbing others').waitFor();
    await reports.getByText('Deceptive, disparaging, harassing or obscene material').waitFor();
    const decisions = section.getByRole('list', { name: 'Decisions' });
    await decisions
      .locator('li[data-action="disabled"]')
      .filter({ hasText: COMMENT_REASON })
      .waitFor();
    await decisions
      .locator('li[data-action="disabled"]')
      .filter({ hasText: TICKET_REASON })
      .waitFor();
    expect(await decisions.locator('li[data-action="enabled"]').count()).toBe(2);

    await operator.context.close();
    await anaPage.context.close();
    await boPage.context.close();
  }, 240_000);

  it("an outside notice against an attachment, and a member's reports of a message and a notice: all disabled, the file no longer served", async () => {
    const world = offline.world;
    const { owner: ana, workspace } = await signUpOwner(world, 'Cy', 'noticed');
    const bo = await inviteMember(world, ana, workspace, 'Di');
    const { ticket, channelId } = await seedTicketAndChannel(world, ana, workspace);
    const workspaceUrl = `${world.base}/w/${workspace.slug}`;
    const anaPage = await openSignedInPage(world, ana);
    const boPage = await openSignedInPage(world, bo);

    // Cy attaches a photo to the ticket; Di reads Cy's message in the channel.
    await anaPage.page.goto(`${workspaceUrl}/t/${ticket.number}`);
    await anaPage.page.getByTestId('description').filter({ hasText: 'New photo' }).waitFor();
    await uploadToTicket(anaPage.page, {
      name: 'skyline.jpg',
      mimeType: 'image/jpeg',
      buffer: await testImage('jpeg', 800, 600),
    });
    const attachment = anaPage.page.getByTestId('attachment').filter({ hasText: 'skyline.jpg' });
    await attachment.getByRole('img', { name: 'skyline.jpg' }).waitFor();
    const fileHref = await attachment.getByRole('link').first().getAttribute('href');
    const sha256 = /\/blobs\/([0-9a-f]{64})$/.exec(fileHref ?? '')?.[1];
    expect(sha256, String(fileHref)).toBeDefined();

    // Di reports Cy's notice, then Cy's message (and stays on the channel).
    // Opened by its address (the notice arrives with the index's first sync).
    await boPage.page.goto(`${workspaceUrl}/notices?n=${NOTICE_ID}`);
    await boPage.page.getByRole('heading', { name: NOTICE_TITLE }).waitFor();
    await boPage.page.getByText(NOTICE_BODY).waitFor();
    await report(
      boPage.page,
      boPage.page.getByRole('button', { name: 'Report this notice' }),
      'Invasion of privacy or discrimination',
      'It names a colleague’s illness.',
    );

    await boPage.page.goto(`${workspaceUrl}/messages/${channelId}`);
    const message = boPage.page.getByTestId('message').filter({ hasText: MESSAGE_TEXT });
    await message.waitFor();
    await report(
      boPage.page,
      message.getByRole('button', { name: 'Report this message' }),
      'Politically motivated material such as propaganda or sabotage',
      '',
    );

    // The operator opens a case from an intellectual-property notice against the file.
    const operator = await openOperatorConsole(world);
    await operator.page.getByRole('tab', { name: 'Reports and notices' }).click();
    const form = operator.page.getByRole('region', { name: 'Open a case from an outside notice' });
    await form.getByLabel(/^Notice/).selectOption('ip_notice');
    await form.getByLabel('Reference', { exact: true }).fill('IP-2026-0042');
    await form.getByLabel('Workspace (address or id)').fill(workspace.slug);
    await form.getByLabel(/^Item/).selectOption('attachment');
    await form
      .getByLabel('Document it is on (optional)')
      .fill(docIds.ticket(workspace.id, ticket.id));
    await form.getByLabel('File SHA-256').fill(sha256!);
    await form.getByLabel('What the notice says').fill('The photo is ours.');
    await form.getByRole('button', { name: 'Open the case' }).click();
    const fileCase = operator.page.getByTestId('moderation-case');
    await fileCase.getByText('Intellectual-property notice, reference IP-2026-0042').waitFor();
    await fileCase.getByTestId('reported-content').getByText('skyline.jpg').waitFor();
    await decide(fileCase, 'Disable access', FILE_REASON);

    const messageCase = await openCase(operator, /^Open the case about the message/);
    await messageCase.getByTestId('reported-content').getByText(MESSAGE_TEXT).waitFor();
    await decide(messageCase, 'Disable access', MESSAGE_REASON);
    const noticeCase = await openCase(operator, /^Open the case about the notice/);
    await noticeCase.getByTestId('reported-content').getByText(NOTICE_TITLE).waitFor();
    await decide(noticeCase, 'Disable access', NOTICE_REASON);

    // Live, on both pages: the message and the file give way to the marker.
    await boPage.page
      .getByTestId('message')
      .getByText(contentDisabledWords(MESSAGE_REASON))
      .waitFor();
    await expectGone(boPage.page, MESSAGE_TEXT);
    const fileMarker = contentDisabledWords(FILE_REASON);
    await anaPage.page.getByTestId('attachment').getByText(fileMarker).waitFor();
    expect(await anaPage.page.getByTestId('attachment').locator('img, video, a').count()).toBe(0);
    await expectGone(anaPage.page, 'skyline.jpg');
    // The notice, in the list and open, on Di's page (in-app navigation, no reload).
    const noticeMarker = contentDisabledWords(NOTICE_REASON);
    await sidebarLink(boPage.page, 'Notices').click();
    await boPage.page.getByRole('button', { name: noticeMarker }).click();
    await boPage.page.getByTestId('notice-disabled').getByText(noticeMarker).waitFor();
    await expectGone(boPage.page, NOTICE_TITLE);
    await expectGone(boPage.page, NOTICE_BODY);
    // The server no longer serves the file (nor its thumbnail) to members.
    const served = await boPage.context.request.get(`${world.base}${fileHref}`);
    expect(served.status()).toBe(451);
    const thumbnail = await boPage.context.request.get(`${world.base}${fileHref}/thumbnail`);
    expect(thumbnail.status()).toBe(451);

    // The owner sees the notice's decision and Di's report.
    await anaPage.page.goto(`${workspaceUrl}/settings`);
    const section = anaPage.page.getByRole('region', { name: 'Reports and decisions' });
    await section
      .getByRole('list', { name: 'Decisions' })
      .locator('li[data-action="disabled"]')
      .filter({ hasText: FILE_REASON })
      .waitFor();
    await section
      .getByRole('list', { name: 'Reports' })
      .getByText('Politically motivated material such as propaganda or sabotage')
      .waitFor();

    await operator.context.close();
    await anaPage.context.close();
    await boPage.context.close();
  }, 240_000);
});

const MESSAGE_TEXT = 'Everyone must vote for the one true party.';
const NOTICE_ID = 'modnotice00000000001';
const NOTICE_TITLE = 'Who is off sick this week';
const NOTICE_REASON = 'Health data of a named person';
const NOTICE_BODY = 'Sam is off with the flu until Monday.';
const MESSAGE_REASON = 'Political propaganda';
const FILE_REASON = "Infringes a photographer's copyright";

/** A ticket by the owner, and a channel with one message by the owner. */
async function seedTicketAndChannel(world: BrowserWorld, owner: Account, workspace: Workspace) {
  const [number] = await reserveTicketNumbers(owner, workspace, 1);
  const ticket = { id: 'modticketnotice00001', number: number!, title: 'Website banner' };
  const channelId = 'modchannel0000000001';
  const by = { id: owner.userId, name: owner.name };
  const at = Date.now() - 60_000;
  await writeTickets(world, workspace, [
    {
      ...ticket,
      description: 'New photo for the banner.',
      by,
      at,
      also: (_ticket, index) => {
        index.channels.create(channelId, 'general', by, at);
        index.notices.create(NOTICE_ID, NOTICE_TITLE, by, at);
      },
    },
  ]);
  const channelDoc = new Y.Doc();
  const channel = new ChannelDoc(channelDoc);
  channel.ensureSchema();
  channel.post({ id: 'modmessage0000000001', body: MESSAGE_TEXT }, by, at + 1);
  await world.server.sync.applyServerUpdate(
    docIds.channel(workspace.id, channelId),
    Y.encodeStateAsUpdate(channelDoc),
  );
  const noticeDoc = new Y.Doc();
  const notice = new NoticeDoc(noticeDoc);
  notice.ensureSchema();
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(NOTICE_BODY)]);
  notice.body.insert(0, [paragraph]);
  await world.server.sync.applyServerUpdate(
    docIds.notice(workspace.id, NOTICE_ID),
    Y.encodeStateAsUpdate(noticeDoc),
  );
  return { ticket, channelId };
}

/** Ticket 1: Bo's ticket to report; ticket 2: Ana's ticket with Bo's comment on it. */
async function seedTwoTickets(
  world: BrowserWorld,
  ana: Account,
  bo: Account,
  workspace: Workspace,
) {
  const [first, second] = await reserveTicketNumbers(ana, workspace, 2);
  const at = Date.now() - 60_000;
  const reported = { id: 'modticketreported001', number: first!, title: REPORTED_TITLE };
  const other = { id: 'modticketother000001', number: second!, title: OTHER_TITLE };
  const byBo = { id: bo.userId, name: bo.name };
  const byAna = { id: ana.userId, name: ana.name };
  await writeTickets(world, workspace, [
    { ...reported, description: 'Click the link to get rich.', by: byBo, at },
    {
      ...other,
      description: 'It jams on every second page.',
      by: byAna,
      at: at + 1,
      also: (ticket, index) => {
        postComment(
          index,
          ticket,
          other.id,
          { id: 'modcommentbo00000001', kind: 'reply', body: COMMENT_TEXT },
          byBo,
          at + 2,
        );
      },
    },
  ]);
  return { reported, other };
}

/** The live rows of the ticket list (a kept first screen is painted first and swapped out). */
function liveRows(page: Page): Locator {
  return page.locator('[data-rows=live]');
}

function sidebarLink(page: Page, name: string): Locator {
  return page
    .getByRole('navigation', { name: 'Workspace' })
    .getByRole('link', { name, exact: true });
}

/** Nothing on the page shows `text` (also not in text kept for screen readers). */
async function expectGone(page: Page, text: string): Promise<void> {
  expect(await page.locator('body').innerText()).not.toContain(text);
}

/** "Report…" → the dialog: a category of the terms, details, sent. */
async function report(page: Page, button: Locator, category: string, details: string) {
  await button.click();
  const dialog = page.getByRole('dialog', { name: /^Report this/ });
  await dialog.getByRole('radio', { name: category }).check();
  await dialog.getByLabel('Details (optional)').fill(details);
  await dialog.getByRole('button', { name: 'Send report' }).click();
  await page.getByRole('dialog', { name: 'Report sent' }).waitFor();
  await page
    .getByRole('dialog', { name: 'Report sent' })
    .getByRole('button', { name: 'Close' })
    .click();
}

/** Opens the case whose Open button's label matches; returns the case's section. */
async function openCase(operator: OperatorConsole, name: RegExp): Promise<Locator> {
  const button = operator.page.getByRole('list', { name: 'Cases' }).getByRole('button', { name });
  await button.click();
  await operator.page
    .getByRole('list', { name: 'Cases' })
    .getByRole('button', { name, pressed: true })
    .waitFor();
  return operator.page.getByTestId('moderation-case');
}

/** Disables or re-enables access with a reason, and waits for the server's yes. */
async function decide(caseView: Locator, action: string, reason: string): Promise<void> {
  await caseView.getByLabel(/^Reason/).fill(reason);
  await caseView.getByRole('button', { name: action }).click();
  await caseView
    .getByText(
      action === 'Disable access' ? 'Access to the item is disabled' : 'Access to the item is back',
    )
    .waitFor();
}

/** Cuts the page's network (live socket too) and loads `url` from the service worker. */
async function goOfflineAndReload(signedIn: SignedInPage, url: string): Promise<void> {
  await signedIn.network.offline();
  await signedIn.page.goto(url);
  await waitForStatus(signedIn.page, /^Offline/);
}
