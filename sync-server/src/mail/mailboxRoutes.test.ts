import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../auth/testSupport.ts';
import { getMailer } from './getMailer.ts';
import { renderEmail } from './renderEmail.ts';

let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

interface Mailbox {
  delivery: string;
  messages: { to: string; subject: string; text: string; html: string }[];
}

describe('outbox and mailbox', () => {
  it('keeps mail in the outbox without SMTP and shows it to requests from this machine', async () => {
    await getMailer(t.server.ctx).send(
      renderEmail({
        to: 'Reader@example.com',
        subject: 'Hello <there>',
        greeting: 'Hi,',
        paragraphs: ['A & B'],
        action: { label: 'Open', url: 'http://desk.test/x?a=1&b=2' },
      }),
    );
    const res = await t.client().get<Mailbox>('/api/mailbox?to=Reader@EXAMPLE.com');
    expect(res.status).toBe(200);
    expect(res.body.delivery).toBe('outbox');
    const [message] = res.body.messages;
    expect(message?.subject).toBe('Service Desk: Hello <there>');
    expect(message?.text).toContain('Open: http://desk.test/x?a=1&b=2');
    expect(message?.text).toContain('— Service Desk');
    expect(message?.html).toContain('A &amp; B');
    expect(message?.html).toContain('href="http://desk.test/x?a=1&amp;b=2"');
  });

  it('hides the mailbox from requests relayed by a proxy, unless an operator asks', async () => {
    const relayed = await t
      .client()
      .get('/api/mailbox', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(relayed.status).toBe(401);
    const user = await signUp(t);
    const asUser = await user.client.get('/api/mailbox', {
      headers: { forwarded: 'for=203.0.113.9' },
    });
    expect(asUser.status).toBe(403);
    expect(asUser.body).toMatchObject({ error: { code: ErrorCode.forbidden } });
    t.server.ctx.db
      .prepare(`UPDATE users SET platform_role = 'operator' WHERE id = ?`)
      .run(user.userId);
    const asOperator = await user.client.get('/api/mailbox', {
      headers: { forwarded: 'for=203.0.113.9' },
    });
    expect(asOperator.status).toBe(200);
  });
});
