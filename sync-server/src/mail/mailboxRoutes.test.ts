import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';
import { OUTBOX_LOG_MESSAGE } from './OutboxMailer.ts';
import { renderEmail } from './renderEmail.ts';

const lines: string[] = [];
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({}, { logLines: lines });
});
afterAll(() => t.close());

interface Mailbox {
  delivery: string;
  messages: { to: string; subject: string; text: string; html: string }[];
}

async function sendSample(to: string) {
  await t.server.services.mailer.send(
    renderEmail({
      to,
      subject: 'Hello <there>',
      greeting: 'Hi,',
      paragraphs: ['A & B'],
      action: { label: 'Open', url: 'http://desk.test/x?a=1&b=2' },
    }),
  );
}

describe('outbox and mailbox', () => {
  it('keeps mail in the outbox without SMTP and shows it to a logged-in operator', async () => {
    await sendSample('Reader@example.com');
    const operator = await loginOperator(t);
    const res = await operator.client.get<Mailbox>('/api/mailbox?to=Reader@EXAMPLE.com');
    expect(res.status).toBe(200);
    expect(res.body.delivery).toBe('outbox');
    const [message] = res.body.messages;
    expect(message?.subject).toBe('Service Desk: Hello <there>');
    expect(message?.text).toContain('Open: http://desk.test/x?a=1&b=2');
    expect(message?.text).toContain('— Service Desk');
    expect(message?.html).toContain('A &amp; B');
    expect(message?.html).toContain('href="http://desk.test/x?a=1&amp;b=2"');
  });

  it('refuses an anonymous request from this machine even without proxy headers', async () => {
    await sendSample('loopback-victim@example.com');
    // The test client connects from 127.0.0.1 and sends no Forwarded/X-Forwarded-For header:
    // exactly what a same-host reverse proxy that adds no headers looks like.
    const res = await t.client().get('/api/mailbox');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: ErrorCode.unauthenticated } });
    expect(JSON.stringify(res.body)).not.toContain('loopback-victim');
  });

  it('refuses a logged-in user who is not an operator, and a token even of an operator', async () => {
    const user = await signUp(t);
    const asUser = await user.client.get('/api/mailbox');
    expect(asUser.status).toBe(403);
    expect(asUser.body).toMatchObject({ error: { code: ErrorCode.forbidden } });

    t.server.ctx.db
      .prepare(`UPDATE users SET platform_role = 'operator' WHERE id = ?`)
      .run(user.userId);
    const created = await user.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'script',
      workspaceId: user.workspaceId,
    });
    expect(created.status).toBe(201);
    const byToken = await t.client().get('/api/mailbox', { bearer: created.body.token });
    expect(byToken.status).toBe(403);
    const asOperator = await user.client.get('/api/mailbox', {
      headers: { forwarded: 'for=203.0.113.9' },
    });
    expect(asOperator.status).toBe(200);
  });

  it('logs the recipient, subject and links of each kept message at level info', async () => {
    await sendSample('logged@example.com');
    const entries = lines
      .map(
        (line) => JSON.parse(line) as { level: number; msg: string; to?: string; links?: string[] },
      )
      .filter((e) => e.msg === OUTBOX_LOG_MESSAGE && e.to === 'logged@example.com');
    expect(entries).toEqual([
      expect.objectContaining({
        level: 30, // pino's info
        subject: 'Service Desk: Hello <there>',
        links: ['http://desk.test/x?a=1&b=2'],
      }),
    ]);
  });
});
