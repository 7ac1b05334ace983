import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ChannelDoc,
  CommentKind,
  createTicket,
  docIds,
  NoticeDoc,
  postComment,
  TicketDoc,
  WorkspaceIndex,
  type Actor,
  type AttachmentRef,
} from '@desk/model';
import { SESSION_COOKIE } from '../../sync-server/src/identity/sessionCookie.ts';
import { editDoc } from '../../sync-server/src/testing/snapshotTestSupport.ts';
import { allowPageErrors, describeInBrowser } from '../support/browserWorld.ts';
import { takeUnexpectedPageErrors } from '../support/pageErrors.ts';
import { openDeskPages, type DeskWorld } from '../system/browser/deskSupport.ts';

/**
 * Stored XSS (issue 12): script payloads written into every place a member can put text —
 * ticket title, rich-text description, comment, attachment file name, notice title and
 * body, channel name, channel message, a link card's URL — through @desk/model on the
 * workspace's docs (as a malicious or compromised client would write them), then rendered
 * by the real app in Chromium. Every payload would set `window.__xss`; it must stay
 * undefined, no element may carry an event-handler attribute or a `javascript:` link, and
 * no CSP violation may fire (the harness fails the test on any, see pageErrors.ts).
 */
const run = `window.__xss=1`;
const payloads = [
  `<img src=x onerror="${run}">`,
  `<script>${run}</script>`,
  `javascript:${run}`,
  `"><svg onload="${run}">`,
  `'><iframe srcdoc="<script>parent.${run}</script>">`,
];
const all = payloads.join(' ');
/** A visible marker per place, so the test waits for that text before it looks. */
const marked = (place: string) => `XSS-${place} ${all}`;

describeInBrowser('stored XSS in a real browser', () => {
  let world: DeskWorld;
  let ana: Page;
  let workspaceId: string;
  const ticketId = 'xss-ticket';
  const noticeId = 'xss-notice';
  const channelId = 'xss-channel';

  beforeAll(async () => {
    ({ world, ana } = await openDeskPages());
    workspaceId = (await world.server.services.control.workspaces.bySlug(world.slug))!.id;
    const actor: Actor = { id: world.owner.userId, name: marked('author') };
    const now = Date.now();

    // A real upload whose file name is a payload; its ref goes on a comment and a message.
    const upload = await fetch(`${world.base}/api/workspaces/${world.slug}/blobs`, {
      method: 'POST',
      headers: {
        origin: world.base,
        cookie: `${SESSION_COOKIE}=${world.owner.client.sessionToken}`,
        'content-type': 'text/plain',
        'x-file-name': encodeURIComponent(`${marked('file')}.txt`),
      },
      body: 'attachment',
    });
    expect(upload.status).toBe(201);
    const blob = (await upload.json()) as { sha256: string; size: number; name: string };
    const attachment: AttachmentRef = {
      id: 'xss-attachment',
      sha256: blob.sha256,
      name: blob.name,
      type: 'text/plain',
      size: blob.size,
      uploadedBy: world.owner.userId,
      uploadedAt: now,
    };

    const sync = world.server.sync;
    const ticketDocId = docIds.ticket(workspaceId, ticketId);
    await editDoc(sync, ticketDocId, (doc) => {
      const description = doc.getXmlFragment('description');
      for (const text of [marked('description'), ...payloads]) {
        const paragraph = new Y.XmlElement('paragraph');
        paragraph.insert(0, [new Y.XmlText(text)]);
        description.push([paragraph]);
      }
    });
    // Index and ticket doc change together in createTicket/postComment: one Y.Doc each,
    // both edited inside one editDoc of the index.
    const ticketState = await sync.readDocState(ticketDocId);
    const ticketDoc = new Y.Doc();
    Y.applyUpdate(ticketDoc, ticketState);
    const before = Y.encodeStateVector(ticketDoc);
    await editDoc(sync, docIds.index(workspaceId), (doc) => {
      const index = new WorkspaceIndex(doc);
      const ticket = new TicketDoc(ticketDoc);
      createTicket(index, ticket, { id: ticketId, title: marked('title'), number: 1 }, actor, now);
      postComment(
        index,
        ticket,
        ticketId,
        {
          id: 'xss-comment',
          kind: CommentKind.reply,
          body: marked('comment'),
          attachments: [attachment],
        },
        actor,
        now,
      );
      index.notices.create(noticeId, marked('notice'), actor, now);
      index.channels.create(channelId, 'xss', actor, now);
      index.channels.noteMessage(channelId, now);
    });
    await sync.applyServerUpdate(ticketDocId, Y.encodeStateAsUpdate(ticketDoc, before));
    await editDoc(sync, docIds.notice(workspaceId, noticeId), (doc) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(marked('notice-body'))]);
      new NoticeDoc(doc).body.push([paragraph]);
    });
    await editDoc(sync, docIds.channel(workspaceId, channelId), (doc) => {
      const channel = new ChannelDoc(doc);
      channel.post(
        {
          id: 'xss-message',
          body: `${marked('message')} https://www.dropbox.com/s/abc/%22%3E%3Csvg%20onload%3D${encodeURIComponent(run)}%3E.zip?dl=0&x="><img src=x onerror=${run}>`,
          attachments: [attachment],
        },
        actor,
        now,
      );
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Nothing ran, and nothing in the DOM could run on a click or a load. */
  async function expectNoScriptRan(page: Page): Promise<void> {
    const found = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: unknown }).__xss,
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`),
      ),
      javascriptUrls: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
        .map(
          (el) =>
            el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action') ?? '',
        )
        .filter((url) => /^\s*javascript:/i.test(url)),
      injected: document.querySelectorAll('main svg[onload], main iframe, main script').length,
    }));
    expect(found).toEqual({ xss: undefined, handlers: [], javascriptUrls: [], injected: 0 });
  }

  it('renders the ticket list and board with payload titles as text', async () => {
    await ana.goto(`${world.base}/w/${world.slug}`);
    await ana.getByText('XSS-title', { exact: false }).first().waitFor();
    await expectNoScriptRan(ana);
    await ana.goto(`${world.base}/w/${world.slug}/board`);
    await ana.getByText('XSS-title', { exact: false }).first().waitFor();
    await expectNoScriptRan(ana);
  });

  it('renders the ticket page: title, rich-text description, comment, author and file name', async () => {
    await ana.goto(`${world.base}/w/${world.slug}/t/1`);
    for (const place of ['title', 'description', 'comment', 'file']) {
      await ana.getByText(`XSS-${place}`, { exact: false }).first().waitFor();
    }
    await expectNoScriptRan(ana);
  });

  it('renders the notice title and body', async () => {
    await ana.goto(`${world.base}/w/${world.slug}/notices`);
    await ana.getByText('XSS-notice', { exact: false }).first().click();
    await ana.getByText('XSS-notice-body', { exact: false }).first().waitFor();
    await expectNoScriptRan(ana);
  });

  it('renders the channel message, its link card and its attachment name', async () => {
    await ana.goto(`${world.base}/w/${world.slug}/messages/${channelId}`);
    const message = ana.getByTestId('message').filter({ hasText: 'XSS-message' });
    await message.waitFor();
    await message.getByText('XSS-file', { exact: false }).first().waitFor();
    await message.getByTestId('link-card').first().waitFor();
    await expectNoScriptRan(ana);
  });

  it('would notice a payload that reached the DOM as HTML (the check can fail)', async () => {
    await ana.goto(`${world.base}/w/${world.slug}`);
    await ana.getByText('XSS-title', { exact: false }).first().waitFor();
    await ana.evaluate(
      (html) => document.querySelector('main')!.insertAdjacentHTML('beforeend', html),
      payloads[0]!,
    );
    await expect(expectNoScriptRan(ana)).rejects.toThrow();
    // The CSP blocked the handler and said so: the harness sees it as a violation.
    await expect.poll(() => takeUnexpectedPageErrors().some((e) => e.kind === 'csp')).toBe(true);
    allowPageErrors(/script-src|inline event handler/i);
  });
});
