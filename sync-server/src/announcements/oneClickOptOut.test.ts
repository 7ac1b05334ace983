import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';

/**
 * RFC 8058 one-click unsubscribe through a real SMTP server: every announcement carries
 * `List-Unsubscribe` (an https URL with the signed token) and `List-Unsubscribe-Post`, and a
 * mail provider's POST to that URL — no Origin, no cookie, a form body — opts the user out.
 */
const raws: string[] = [];
let smtp: SMTPServer;
let t: AuthTestServer;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        raws.push(raw);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await startAuthTestServer({
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_FROM: 'Service Desk <desk@desk.test>',
  });
});

afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

/** A header of a raw message, unfolded (long header lines continue on indented lines). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

describe('one-click unsubscribe (RFC 8058)', () => {
  it('puts List-Unsubscribe headers on announcements; the provider’s POST opts out, a GET does not', async () => {
    const owner = await signUp(t);
    const { services } = t.server;
    await services.control.announcements.create({
      subject: 'New: ticket templates',
      text: 'Try them.',
      audience: 'owners',
      createdBy: owner.userId,
    });
    services.announcementSender.kick();
    await services.announcementSender.idle();
    const raw = raws.find((r) => r.includes(owner.email) && r.includes('ticket templates'));
    expect(raw).toBeDefined();
    expect(header(raw!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const url = /^<(https?:\/\/[^>]+)>$/.exec(header(raw!, 'List-Unsubscribe') ?? '')?.[1];
    expect(url).toMatch(/^http:\/\/desk\.test\/api\/auth\/announcements\/one-click\?token=/);
    const path = url!.replace('http://desk.test', '');

    // A scanner that fetches the URL changes nothing.
    const fetched = await fetch(t.server.url + path);
    await fetched.arrayBuffer();
    expect(fetched.status).not.toBe(200);
    expect(await services.control.announcements.receives(owner.userId)).toBe(true);

    // The provider's POST: no Origin, no cookie, a form body.
    const posted = await fetch(t.server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(posted.status).toBe(200);
    expect(await services.control.announcements.receives(owner.userId)).toBe(false);
    const audit = services.audit.list({ targetId: owner.userId });
    expect(audit.find((e) => e.action === 'announcements.opted_out')?.details).toMatchObject({
      via: 'one_click',
    });
  });

  it('refuses a tampered token and one that is missing', async () => {
    const owner = await signUp(t);
    const token = await t.server.services.optOutLinks.token(owner.userId);
    const post = (query: string) =>
      fetch(`${t.server.url}/api/auth/announcements/one-click${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    const tampered = await post(`?token=${encodeURIComponent(token.slice(0, -2))}`);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe(
      ErrorCode.tokenInvalid,
    );
    expect(tampered.status).toBe(400);
    const missing = await post('');
    await missing.arrayBuffer();
    expect(missing.status).toBe(400);
    expect(await t.server.services.control.announcements.receives(owner.userId)).toBe(true);
  });
});
