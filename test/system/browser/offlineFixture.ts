import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MemoryStore, SyncClient } from '@desk/client';
import type { WebSocketConstructor } from '@desk/client';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import { loadConfig } from '../../../sync-server/src/config/config.ts';
import { createServer, type RunningServer } from '../../../sync-server/src/createServer.ts';
import { createLogger } from '../../../sync-server/src/log/logger.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { freePort } from '../../support/freePort.ts';

/**
 * Support for the offline browser tests (issue 7): a real server in this process serving
 * the built web app on a fixed free port (the session cookie's Origin check needs the
 * public URL up front), accounts made through the REST API (sign-up, invitations), tickets
 * written straight into the sync engine (thousands in a second), and a Node SyncClient with
 * an access token standing in for a second user who stays online.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const webBuild = path.join(repoRoot, 'web/build');
export const webBuilt = fs.existsSync(path.join(webBuild, 'index.html'));

export interface DeskServer {
  readonly server: RunningServer;
  readonly url: string;
  close(): Promise<void>;
}

export async function startDeskServer(options: { webDir?: string } = {}): Promise<DeskServer> {
  const temp = makeTempDir('desk-offline-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: temp.dir,
    PUBLIC_URL: url,
    WEB_DIR: options.webDir ?? webBuild,
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  const server = await createServer(config, createLogger('silent'));
  return {
    server,
    url,
    close: async () => {
      await server.stop();
      temp.remove();
    },
  };
}

/** A REST caller that keeps the session cookie and sends the Origin the server expects. */
export class HttpSession {
  #cookie = '';

  constructor(readonly base: string) {}

  /** GET returning the body as text (files). */
  async text(urlPath: string): Promise<string> {
    const response = await fetch(`${this.base}${urlPath}`, {
      headers: this.#cookie ? { cookie: this.#cookie } : {},
    });
    if (!response.ok) throw new Error(`GET ${urlPath} → ${response.status}`);
    return response.text();
  }

  async call<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}${urlPath}`, {
      method,
      headers: {
        origin: this.base,
        ...(this.#cookie ? { cookie: this.#cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const setCookie = response.headers.getSetCookie();
    for (const line of setCookie) {
      const pair = line.split(';')[0]!;
      this.#cookie = pair;
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${urlPath} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface Account {
  email: string;
  password: string;
  name: string;
  userId: string;
  http: HttpSession;
}

export interface Workspace {
  id: string;
  slug: string;
}

const PASSWORD = 'correct horse battery staple 42';

export async function signUpOwner(
  base: string,
  name: string,
  slug: string,
): Promise<{ owner: Account; workspace: Workspace }> {
  const http = new HttpSession(base);
  const email = `${name.toLowerCase()}@example.com`;
  const me = await http.call<{ user: { id: string }; workspaces: { id: string; slug: string }[] }>(
    'POST',
    '/api/auth/signup',
    {
      email,
      password: PASSWORD,
      displayName: name,
      customer: { kind: 'organization', name: `${name}'s company` },
      workspace: { name: `${name}'s desk`, slug },
      acceptTerms: true,
    },
  );
  const workspace = me.workspaces.find((w) => w.slug === slug)!;
  return {
    owner: { email, password: PASSWORD, name, userId: me.user.id, http },
    workspace: { id: workspace.id, slug },
  };
}

/** Invites `name` as an agent and registers them through the invitation link. */
export async function inviteMember(
  desk: DeskServer,
  owner: Account,
  workspace: Workspace,
  name: string,
): Promise<Account> {
  const email = `${name.toLowerCase()}@example.com`;
  await owner.http.call('POST', `/api/workspaces/${workspace.slug}/invitations`, {
    email,
    role: 'agent',
  });
  const mail = desk.server.ctx.db
    .prepare(
      'SELECT text_body FROM mail_outbox WHERE to_address = ? ORDER BY created_at DESC LIMIT 1',
    )
    .get(email) as { text_body: string };
  const token = /[?&#]token=([A-Za-z0-9_-]+)/.exec(mail.text_body)?.[1] ?? '';
  const http = new HttpSession(desk.url);
  await http.call('POST', '/api/invitations/accept', {
    token,
    displayName: name,
    password: PASSWORD,
    acceptTerms: true,
  });
  const me = await http.call<{ user: { id: string } }>('GET', '/api/auth/me');
  return { email, password: PASSWORD, name, userId: me.user.id, http };
}

/** A Node SyncClient over `/sync?token=` for a user who stays online. */
export async function nodeClient(
  desk: DeskServer,
  account: Account,
  workspace: Workspace,
): Promise<SyncClient> {
  const { token } = await account.http.call<{ token: string }>('POST', '/api/auth/tokens', {
    name: 'offline test',
    workspaceId: workspace.id,
    expiresInDays: 1,
  });
  return new SyncClient({
    url: `${desk.url.replace('http', 'ws')}/sync?token=${encodeURIComponent(token)}`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    store: new MemoryStore(),
  });
}

export interface SeededTicket {
  id: string;
  number: number;
  title: string;
}

/**
 * Writes `count` tickets (index entries + ticket docs with a one-paragraph description)
 * straight into the sync engine, with numbers reserved through the REST API so tickets
 * created later in the browser never reuse them.
 */
export async function seedTickets(
  desk: DeskServer,
  owner: Account,
  workspace: Workspace,
  count: number,
  description: (i: number) => string = (i) => `Description of ticket ${i + 1}.`,
): Promise<SeededTicket[]> {
  const numbers: number[] = [];
  while (numbers.length < count) {
    const block = await owner.http.call<{ from: number; to: number }>(
      'POST',
      `/api/workspaces/${workspace.slug}/ticket-numbers`,
      { count: Math.min(100, count - numbers.length) },
    );
    for (let n = block.from; n <= block.to; n++) numbers.push(n);
  }
  const actor = { id: owner.userId, name: owner.name };
  const indexDoc = new Y.Doc();
  const index = new WorkspaceIndex(indexDoc);
  index.ensureSchema();
  const tickets: SeededTicket[] = [];
  const now = Date.now() - 60_000;
  for (let i = 0; i < count; i++) {
    const id = `seed${String(i).padStart(6, '0')}aaaaaaaaaa`.slice(0, 20);
    const ticketDoc = new Y.Doc();
    const ticket = new TicketDoc(ticketDoc);
    ticket.ensureSchema();
    const title = `Seeded ticket ${i + 1}`;
    createTicket(index, ticket, { id, title, number: numbers[i]! }, actor, now + i);
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(description(i))]);
    ticket.description.insert(0, [paragraph]);
    await desk.server.sync.applyServerUpdate(
      docIds.ticket(workspace.id, id),
      Y.encodeStateAsUpdate(ticketDoc),
    );
    tickets.push({ id, number: numbers[i]!, title });
  }
  await desk.server.sync.applyServerUpdate(
    docIds.index(workspace.id),
    Y.encodeStateAsUpdate(indexDoc),
  );
  return tickets;
}

/** Signs the browser context in (the cookie lands in the context's jar). */
export async function signInBrowser(
  context: BrowserContext,
  base: string,
  account: Account,
): Promise<void> {
  const response = await context.request.post(`${base}/api/auth/login`, {
    headers: { origin: base },
    data: { email: account.email, password: account.password },
  });
  if (!response.ok())
    throw new Error(`login failed: ${response.status()} ${await response.text()}`);
}

/** The sync status bar's words. */
export function statusText(page: Page): Promise<string> {
  return page.getByTestId('offline-status-text').innerText();
}

/** Waits until the status bar says everything is on the server. */
export async function waitAllSaved(page: Page, timeout = 60_000): Promise<void> {
  await page
    .getByTestId('offline-status-text')
    .filter({ hasText: 'all changes saved' })
    .waitFor({ timeout });
}

/** The app's IndexedDB database names in the page's origin. */
export async function databaseNames(page: Page): Promise<string[]> {
  return page.evaluate(async () =>
    (await indexedDB.databases()).flatMap((db) => (db.name ? [db.name] : [])),
  );
}

/**
 * Doc ids with content in a user's replica (the client's one update log, `<prefix>updates`),
 * read straight from IndexedDB: what the page could open offline.
 */
export async function storedDocIds(page: Page, userId: string): Promise<string[]> {
  return page.evaluate(async (name) => {
    if (!(await indexedDB.databases()).some((db) => db.name === name)) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error(`cannot open ${name}`));
    });
    try {
      const index = db.transaction('updates', 'readonly').objectStore('updates').index('docId');
      const ids: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const cursor = index.openKeyCursor(null, 'nextunique');
        cursor.onsuccess = () => {
          if (!cursor.result) return resolve();
          ids.push(String(cursor.result.key));
          cursor.result.continue();
        };
        cursor.onerror = () => reject(cursor.error ?? new Error('cursor failed'));
      });
      return ids;
    } finally {
      db.close();
    }
  }, `desk:u:${userId}:updates`);
}

/** Waits for the service worker to control the page (so a reload offline is served by it). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller) return;
    await new Promise<void>((resolve) =>
      navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), {
        once: true,
      }),
    );
  });
}

/** Plain text of a description Y.XmlFragment (paragraph texts joined by newlines). */
export function descriptionText(doc: Y.Doc): string {
  return doc
    .getXmlFragment('description')
    .toArray()
    .map((node) =>
      node instanceof Y.XmlElement
        ? node
            .toArray()
            .map((child) => (child instanceof Y.XmlText ? child.toString() : ''))
            .join('')
        : '',
    )
    .join('\n');
}

/**
 * Network control for one browser context. `context.setOffline(true)` stops new requests
 * but leaves an open WebSocket alone, while a real network loss kills it: every `/sync`
 * socket is routed through Playwright so going offline also drops the live ones, and
 * attempts while offline fail as they would.
 */
export async function networkControl(
  context: BrowserContext,
): Promise<{ offline(): Promise<void>; online(): Promise<void> }> {
  const live = new Set<WebSocketRoute>();
  let down = false;
  await context.routeWebSocket(/\/sync(\?|$)/, async (ws) => {
    if (down) {
      await ws.close({ code: 1001, reason: 'network down' });
      return;
    }
    ws.connectToServer();
    live.add(ws);
  });
  return {
    async offline() {
      down = true;
      await context.setOffline(true);
      for (const ws of live) await ws.close({ code: 1001, reason: 'network down' });
      live.clear();
    },
    async online() {
      down = false;
      await context.setOffline(false);
    },
  };
}
