import { expect } from 'vitest';
import { tokenFromOutbox as tokenInOutbox } from '../../../test/support/outbox.ts';
import { hashPassword } from '../identity/passwords.ts';
import {
  STRONG_PASSWORD,
  type AuthTestServer,
  type TestClient,
  type TestResponse,
} from './authTestServer.ts';
import { createOperator } from '../cli/createOperator.ts';

/**
 * Test support for the workspace, billing and operator routes, on top of the account test
 * server: inviting (reading the link from the outbox, as a person reads their mail),
 * accepting by registering, and a logged-in operator. Not used in production.
 */

/** The invitation token in the newest mail to `email` (the link's `#token=` fragment). */
export function tokenFromOutbox(t: AuthTestServer, email: string): string {
  return tokenInOutbox(t.server.ctx.config.DATA_DIR, email, '/invite');
}

export async function invite(
  t: AuthTestServer,
  owner: TestClient,
  slug: string,
  email: string,
  role: 'admin' | 'agent' | 'viewer' = 'agent',
): Promise<{ id: string; token: string }> {
  const res = await owner.post<{ invitation: { id: string } }>(
    `/api/workspaces/${slug}/invitations`,
    { email, role },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.invitation.id, token: tokenFromOutbox(t, email) };
}

export function acceptByRegistering(
  t: AuthTestServer,
  token: string,
  displayName = 'New Member',
  client: TestClient = t.client(),
): Promise<
  TestResponse<{ workspace?: { slug: string }; error?: { code: string; message: string } }>
> {
  return client.post('/api/invitations/accept', {
    token,
    displayName,
    password: STRONG_PASSWORD,
    acceptTerms: true,
  });
}

/** Invites `email` and accepts by registering; returns the new member's logged-in client. */
export async function addMember(
  t: AuthTestServer,
  owner: TestClient,
  slug: string,
  email: string,
  role: 'admin' | 'agent' | 'viewer' = 'agent',
): Promise<{ client: TestClient; userId: string }> {
  const { token } = await invite(t, owner, slug, email, role);
  const client = t.client();
  const res = await acceptByRegistering(t, token, email.split('@')[0], client);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const user = await t.server.services.control.users.byEmail(email);
  return { client, userId: user!.id };
}

let operators = 0;
/** A platform operator created as the CLI does, logged in with a browser session. */
export async function loginOperator(
  t: AuthTestServer,
): Promise<{ client: TestClient; userId: string }> {
  operators += 1;
  const email = `operator${operators}@example.com`;
  const { userId } = await createOperator(t.server.services.control, {
    email,
    displayName: `Operator ${operators}`,
    passwordHash: await hashPassword(STRONG_PASSWORD),
  });
  const client = t.client();
  const res = await client.post('/api/auth/login', { email, password: STRONG_PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // The CLI's account never saw the terms: like any user, it accepts them before the server
  // lets it do anything else (issue 16).
  await acceptTermsInForce(client);
  return { client, userId };
}

/** Accepts the terms version in force for a logged-in client, as the /terms page does. */
export async function acceptTermsInForce(client: TestClient): Promise<void> {
  const { version } = (await client.get<{ current: { version: string } }>('/api/terms')).body
    .current;
  const accepted = await client.post('/api/auth/terms', { version });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
}

/** Every access event the server emits, in order, for assertions. */
export function recordAccessEvents(t: AuthTestServer): { name: string; payload: unknown }[] {
  const events: { name: string; payload: unknown }[] = [];
  const access = t.server.ctx.access;
  for (const name of [
    'membershipChanged',
    'workspaceStateChanged',
    'userSuspended',
    'sessionsRevoked',
  ] as const) {
    access.on(name, (payload: unknown) => events.push({ name, payload }));
  }
  return events;
}
