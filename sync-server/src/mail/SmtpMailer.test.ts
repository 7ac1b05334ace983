import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAuthTestServer,
  STRONG_PASSWORD,
  type AuthTestServer,
} from '../testing/authTestServer.ts';
import { OUTBOX_LOG_MESSAGE } from './OutboxMailer.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

const received: Received[] = [];
const lines: string[] = [];
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
  t = await startAuthTestServer(
    {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Service Desk <desk@desk.test>',
    },
    { logLines: lines },
  );
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

describe('SMTP delivery (SMTP_URL)', () => {
  it('sends the sign-up confirmation and the password reset through a real SMTP server as text and HTML, keeps no outbox copy and logs no link', async () => {
    const email = 'smtp-owner@example.com';
    const client = t.client();
    const requested = await client.post('/api/auth/signup', {
      email,
      password: STRONG_PASSWORD,
      displayName: 'Sam Smtp',
      customer: { kind: 'person', name: 'Sam Smtp' },
      workspace: { name: 'Smtp', slug: 'sam-smtp' },
      acceptTerms: true,
    });
    expect(requested.status).toBe(202);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    const confirmation = decodeQuotedPrintable(received[0]?.raw ?? '');
    expect(received[0]?.to).toEqual([email]);
    expect(confirmation).toMatch(/Subject: Service Desk: Confirm your email/);
    const token = /\/signup\/confirm#token=([a-z2-7]+)/.exec(confirmation)?.[1] ?? '';
    const confirmed = await client.post('/api/auth/signup/confirm', { token });
    expect(confirmed.status).toBe(201);

    const res = await t.client().post('/api/auth/password/forgot', { email });
    expect(res.status).toBe(202);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    const mail = received[1];
    expect(mail?.from).toBe('desk@desk.test');
    expect(mail?.to).toEqual([email]);
    expect(mail?.raw).toMatch(/Subject: Service Desk: Reset your password/);
    expect(mail?.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail?.raw).toMatch(/Content-Type: text\/html/);
    expect(decodeQuotedPrintable(mail?.raw ?? '')).toContain('http://desk.test/reset?token=');

    // With SMTP configured the mailbox is for operators only, as always, and empty.
    const mailbox = await client.get('/api/mailbox');
    expect(mailbox.status).toBe(403);
    expect(t.server.ctx.db.prepare('SELECT COUNT(*) AS n FROM mail_outbox').get()).toEqual({
      n: 0,
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.some((line) => line.includes(OUTBOX_LOG_MESSAGE))).toBe(false);
  });
});

/** Enough of RFC 2045 quoted-printable to read the link back. */
function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
