import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startAuthTestServer, type AuthTestServer } from '../auth/testSupport.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

const received: Received[] = [];
let smtp: SMTPServer;
let smtpPort: number;
let t: AuthTestServer;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  t = await startAuthTestServer({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    MAIL_FROM: 'Service Desk <desk@desk.test>',
  });
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

describe('SMTP delivery (SMTP_URL)', () => {
  it('sends the password reset through a real SMTP server as text and HTML, and keeps no outbox copy', async () => {
    const owner = await signUp(t);
    const res = await t.client().post('/api/auth/password/forgot', { email: owner.email });
    expect(res.status).toBe(202);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    const [mail] = received;
    expect(mail?.from).toBe('desk@desk.test');
    expect(mail?.to).toEqual([owner.email]);
    expect(mail?.raw).toMatch(/Subject: Service Desk: Reset your password/);
    expect(mail?.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail?.raw).toMatch(/Content-Type: text\/html/);
    expect(decodeQuotedPrintable(mail?.raw ?? '')).toContain('http://desk.test/reset?token=');

    const mailbox = await t.client().get<{ delivery: string; messages: unknown[] }>('/api/mailbox');
    // With SMTP configured the mailbox is for operators only.
    expect(mailbox.status).toBe(401);
    expect(t.server.ctx.db.prepare('SELECT COUNT(*) AS n FROM mail_outbox').get()).toEqual({
      n: 0,
    });
  });
});

/** Enough of RFC 2045 quoted-printable to read the link back. */
function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
