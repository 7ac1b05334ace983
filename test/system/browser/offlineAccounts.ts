import WebSocket from 'ws';
import { MemoryStore, SyncClient } from '@desk/client';
import type { WebSocketConstructor } from '@desk/client';
import type { TestClient } from '../../../sync-server/src/testing/authTestServer.ts';
import type { BrowserWorld } from '../../support/browserWorld.ts';
import { tokenFromOutboxSoon } from '../../support/outbox.ts';

/**
 * Accounts for the offline browser tests, made through the REST API (sign-up, invitations),
 * and a Node SyncClient with an access token standing in for a user who stays online.
 */

export interface Account {
  email: string;
  password: string;
  name: string;
  userId: string;
  /** Holds the account's session cookie. */
  http: TestClient;
}

export interface Workspace {
  id: string;
  slug: string;
}

const PASSWORD = 'correct horse battery staple 42';

/**
 * Sends one REST request and returns its JSON body. A setup step that fails throws here,
 * with the status and body, rather than surfacing later as a page that never gets ready.
 */
export async function requestOk<T = unknown>(
  client: TestClient,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<T> {
  const response = await client.request<T>(method, urlPath, body === undefined ? {} : { body });
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${urlPath} → ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export async function signUpOwner(
  world: BrowserWorld,
  name: string,
  slug: string,
): Promise<{ owner: Account; workspace: Workspace }> {
  const http = world.client();
  const email = `${name.toLowerCase()}@example.com`;
  await requestOk(http, 'POST', '/api/auth/signup', {
    email,
    password: PASSWORD,
    displayName: name,
    customer: { kind: 'organization', name: `${name}'s company` },
    workspace: { name: `${name}'s desk`, slug },
    acceptTerms: true,
  });
  const token = await tokenFromOutboxSoon(
    world.server.ctx.config.DATA_DIR,
    email,
    '/signup/confirm',
  );
  const me = await requestOk<{ user: { id: string }; workspaces: { id: string; slug: string }[] }>(
    http,
    'POST',
    '/api/auth/signup/confirm',
    { token },
  );
  const workspace = me.workspaces.find((w) => w.slug === slug)!;
  return {
    owner: { email, password: PASSWORD, name, userId: me.user.id, http },
    workspace: { id: workspace.id, slug },
  };
}

/** Invites `name` as an agent and registers them through the invitation link. */
export async function inviteMember(
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
  name: string,
): Promise<Account> {
  const email = `${name.toLowerCase()}@example.com`;
  await requestOk(owner.http, 'POST', `/api/workspaces/${workspace.slug}/invitations`, {
    email,
    role: 'agent',
  });
  const token = await tokenFromOutboxSoon(world.server.ctx.config.DATA_DIR, email, '/invite');
  const http = world.client();
  await requestOk(http, 'POST', '/api/invitations/accept', {
    token,
    displayName: name,
    password: PASSWORD,
    acceptTerms: true,
  });
  const me = await requestOk<{ user: { id: string } }>(http, 'GET', '/api/auth/me');
  return { email, password: PASSWORD, name, userId: me.user.id, http };
}

/** A Node SyncClient over `/sync?token=` for a user who stays online. */
export async function nodeClient(
  world: BrowserWorld,
  account: Account,
  workspace: Workspace,
): Promise<SyncClient> {
  const { token } = await requestOk<{ token: string }>(account.http, 'POST', '/api/auth/tokens', {
    name: 'offline test',
    workspaceId: workspace.id,
    expiresInDays: 1,
  });
  return new SyncClient({
    url: `${world.base.replace('http', 'ws')}/sync?token=${encodeURIComponent(token)}`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    store: new MemoryStore(),
  });
}
