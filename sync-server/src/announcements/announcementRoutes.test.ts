import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type Announcement, type AnnouncementList } from '@desk/protocol';
import { readOutbox } from '../../../test/support/outbox.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { addMember, loginOperator } from '../testing/workspaceTestSupport.ts';
import { AnnouncementSender } from './AnnouncementSender.ts';

let t: AuthTestServer;
let operator: TestClient;
beforeAll(async () => {
  t = await startAuthTestServer();
  ({ client: operator } = await loginOperator(t));
});
afterAll(() => t.close());

let n = 0;
const unique = () => `${Date.now().toString(36)}${++n}`;
type ErrorResponse = { error: { code: string; fields?: Record<string, string> } };

/** Sends an announcement as the operator and waits until every message is out. */
async function announce(audience: 'all' | 'owners', subject = `News ${unique()}`) {
  const res = await operator.post<Announcement>('/api/operator/announcements', {
    subject,
    text: 'We shipped ticket templates.\n\nTry them today.',
    audience,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await t.server.services.announcementSender.idle();
  return { subject, announcement: res.body };
}

const received = (email: string, subject: string) =>
  readOutbox(t.server.ctx.config.DATA_DIR, email).filter((m) => m.subject.endsWith(subject));

const optOutToken = (email: string, subject: string) => {
  const mail = received(email, subject)[0];
  const token = mail && /\/announcements\/opt-out#token=(\S+)/.exec(mail.text)?.[1];
  if (!token) throw new Error(`no opt-out link to ${email}`);
  return token;
};

describe('sending announcements', () => {
  it('sends to owners only, leaving out members who own nothing, and shows the progress', async () => {
    const owner = await signUp(t);
    const agentEmail = `agent${unique()}@example.com`;
    await addMember(t, owner.client, owner.slug, agentEmail, 'agent');

    const { subject, announcement } = await announce('owners');
    expect(announcement).toMatchObject({ audience: 'owners', finishedAt: null });
    expect(received(owner.email, subject)).toHaveLength(1);
    expect(received(agentEmail, subject)).toHaveLength(0);

    const list = await operator.get<AnnouncementList>('/api/operator/announcements');
    expect(list.status).toBe(200);
    const shown = list.body.announcements.find((a) => a.id === announcement.id);
    expect(shown).toMatchObject({
      subject,
      sent: announcement.recipients,
      failed: 0,
      interrupted: 0,
      finishedAt: t.clock.now,
    });
    const audit = t.server.services.audit.list({ targetId: announcement.id });
    expect(audit[0]).toMatchObject({ action: 'announcement.sent' });
  });

  it('sends to every user with audience "all"', async () => {
    const owner = await signUp(t);
    const agentEmail = `agent${unique()}@example.com`;
    await addMember(t, owner.client, owner.slug, agentEmail, 'viewer');
    const { subject } = await announce('all');
    expect(received(owner.email, subject)).toHaveLength(1);
    expect(received(agentEmail, subject)).toHaveLength(1);
  });

  it('sends again to the recipients whose message failed, and to nobody else', async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const { services } = t.server;
    const subject = `Outage ${unique()}`;
    const { id } = await services.control.announcements.create({
      subject,
      text: 'News.',
      audience: 'owners',
      createdBy: a.userId,
    });
    // The mail server refuses a's message.
    const flaky = new AnnouncementSender({
      ...services,
      mailer: {
        kind: 'smtp',
        send: (message) =>
          message.to === a.email
            ? Promise.reject(new Error('421 try later'))
            : services.mailer.send(message),
      },
    });
    flaky.kick();
    await flaky.idle();
    expect(await services.control.announcements.get(id)).toMatchObject({ failed: 1 });
    expect(received(a.email, subject)).toHaveLength(0);

    const retried = await operator.post<Announcement>(`/api/operator/announcements/${id}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    await services.announcementSender.idle();
    expect(received(a.email, subject)).toHaveLength(1);
    expect(received(b.email, subject)).toHaveLength(1);
    const done = (await services.control.announcements.get(id))!;
    expect(done).toMatchObject({ sent: done.recipients, failed: 0 });
    expect(done.finishedAt).not.toBeNull();

    expect((await operator.post('/api/operator/announcements/nope/retry')).status).toBe(404);
    expect((await a.client.post(`/api/operator/announcements/${id}/retry`)).status).toBe(403);
  });

  it('refuses a retry while the announcement is still being sent', async () => {
    const owner = await signUp(t);
    const { id } = await t.server.services.control.announcements.create({
      subject: 'Unfinished',
      text: 'News.',
      audience: 'owners',
      createdBy: owner.userId,
    });
    const res = await operator.post<ErrorResponse>(`/api/operator/announcements/${id}/retry`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe(ErrorCode.invalidStateTransition);
    await t.server.services.announcementSender.idle();
  });

  it('lets only operators send or list, and refuses an empty subject', async () => {
    const owner = await signUp(t);
    const body = { subject: 'Hi', text: 'News', audience: 'all' };
    expect((await owner.client.post('/api/operator/announcements', body)).status).toBe(403);
    expect((await owner.client.get('/api/operator/announcements')).status).toBe(403);
    expect((await t.client().post('/api/operator/announcements', body)).status).toBe(401);
    const empty = await operator.post<ErrorResponse>('/api/operator/announcements', {
      ...body,
      subject: ' ',
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe(ErrorCode.validationFailed);
  });
});

describe('opting out', () => {
  it('from the email link, without logging in: the signed token opts out its user, who then receives nothing', async () => {
    const owner = await signUp(t);
    const first = await announce('all');
    const token = optOutToken(owner.email, first.subject);

    const res = await t.client().post<{ email: string }>('/api/auth/announcements/opt-out', {
      token,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.email).toBe(owner.email);
    expect((await owner.client.get('/api/auth/announcements')).body).toEqual({ receive: false });
    // Again: still fine (the person clicked twice).
    expect((await t.client().post('/api/auth/announcements/opt-out', { token })).status).toBe(200);

    const second = await announce('all');
    expect(received(owner.email, second.subject)).toHaveLength(0);
    expect(second.announcement.optedOut).toBeGreaterThanOrEqual(1);
    const audit = t.server.services.audit.list({ targetId: owner.userId });
    expect(audit.map((e) => e.action)).toContain('announcements.opted_out');
  });

  it('refuses a tampered or made-up token and opts nobody out', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const { subject } = await announce('all');
    const token = optOutToken(owner.email, subject);
    const [, signature] = token.split('.');
    const tampered = [
      `${other.userId}.${signature}`, // someone else's id under this user's signature
      `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`, // a changed signature
      other.userId, // no signature at all
      'x.y',
    ];
    for (const bad of tampered) {
      const res = await t.client().post<ErrorResponse>('/api/auth/announcements/opt-out', {
        token: bad,
      });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe(ErrorCode.tokenInvalid);
    }
    expect((await other.client.get('/api/auth/announcements')).body).toEqual({ receive: true });
    expect((await owner.client.get('/api/auth/announcements')).body).toEqual({ receive: true });
  });

  it('from the account page, and back in', async () => {
    const owner = await signUp(t);
    expect((await owner.client.get('/api/auth/announcements')).body).toEqual({ receive: true });
    const off = await owner.client.request('PUT', '/api/auth/announcements', {
      body: { receive: false },
    });
    expect(off.status).toBe(200);
    const skipped = await announce('all');
    expect(received(owner.email, skipped.subject)).toHaveLength(0);

    const on = await owner.client.request('PUT', '/api/auth/announcements', {
      body: { receive: true },
    });
    expect(on.body).toEqual({ receive: true });
    const sent = await announce('all');
    expect(received(owner.email, sent.subject)).toHaveLength(1);
    const actions = t.server.services.audit.list({ targetId: owner.userId }).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['announcements.opted_out', 'announcements.opted_in']),
    );
  });

  it('changes only the caller’s own choice, with a browser session', async () => {
    const owner = await signUp(t);
    const created = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'script',
      workspaceId: owner.workspaceId,
    });
    const byToken = await t.client().request('PUT', '/api/auth/announcements', {
      body: { receive: false },
      bearer: created.body.token,
    });
    expect(byToken.status).toBe(403);
    const anonymous = await t.client().request('PUT', '/api/auth/announcements', {
      body: { receive: false },
    });
    expect(anonymous.status).toBe(401);
    expect((await owner.client.get('/api/auth/announcements')).body).toEqual({ receive: true });
  });
});

describe('the phone number in the profile', () => {
  type MeBody = { user: { phone: string | null } };

  it('accepts an international number, shows it as typed, changes and removes it', async () => {
    const owner = await signUp(t);
    const set = await owner.client.patch<MeBody>('/api/auth/me', { phone: '+49 30 1234567' });
    expect(set.status).toBe(200);
    expect(set.body.user.phone).toBe('+49 30 1234567');
    expect((await owner.client.get<MeBody>('/api/auth/me')).body.user.phone).toBe('+49 30 1234567');
    const changed = await owner.client.patch<MeBody>('/api/auth/me', {
      phone: '+1 (555) 010-0199',
    });
    expect(changed.body.user.phone).toBe('+1 (555) 010-0199');
    const removed = await owner.client.patch<MeBody>('/api/auth/me', { phone: null });
    expect(removed.body.user.phone).toBeNull();
    const emptied = await owner.client.patch<MeBody>('/api/auth/me', { phone: '' });
    expect(emptied.body.user.phone).toBeNull();

    // Each choice is in the audit log (an unchanged number writes nothing), never the number.
    const audit = await operator.get<{
      entries: { action: string; actorUserId: string | null; details: unknown }[];
    }>('/api/operator/audit');
    const mine = audit.body.entries.filter(
      (e) => e.action === 'profile.phone_changed' && e.actorUserId === owner.userId,
    );
    expect(mine.map((e) => e.details)).toEqual([
      { change: 'removed' },
      { change: 'changed' },
      { change: 'given' },
    ]);
    expect(JSON.stringify(audit.body)).not.toMatch(/1234567|010-0199/);
  });

  it.each([
    ['030 1234567', 'no country code'],
    ['+0 30 1234567', 'a country code starting with 0'],
    ['+49 12', 'too short'],
    ['+49 1234 5678 9012 345', 'more than 15 digits'],
    ['+49 30 CALL-ME', 'letters'],
  ])('refuses %s (%s)', async (phone) => {
    const owner = await signUp(t);
    const res = await owner.client.patch<ErrorResponse>('/api/auth/me', { phone });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(ErrorCode.validationFailed);
    expect(res.body.error.fields?.phone).toBeTruthy();
  });

  it('is removed when the user deletes their account', async () => {
    const owner = await signUp(t);
    const member = await addMember(t, owner.client, owner.slug, `leaver${unique()}@example.com`);
    await member.client.patch('/api/auth/me', { phone: '+44 20 7946 0958' });
    expect(t.server.services.users.byId(member.userId)?.phone).toBe('+44 20 7946 0958');
    const deleted = await member.client.request('DELETE', '/api/auth/me', {
      body: { password: STRONG_PASSWORD },
    });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(t.server.services.users.byId(member.userId)?.phone).toBeNull();
  });
});
