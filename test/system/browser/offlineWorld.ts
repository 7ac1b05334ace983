import fs from 'node:fs';
import type {
  BrowserContext,
  BrowserContextOptions,
  Locator,
  Page,
  WebSocketRoute,
} from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MemoryStore, SyncClient } from '@desk/client';
import type { WebSocketConstructor } from '@desk/client';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import { startBrowserWorld, webBuildDir, type BrowserWorld } from '../../support/browserWorld.ts';
import { makeTempDir } from '../../support/tempDir.ts';

/**
 * Support for the offline browser tests (issue 7): the browser world (the real server in
 * this process serving the built web app, and Chromium), accounts made through the REST API
 * (sign-up, invitations), tickets written straight into the sync engine (thousands in a
 * second), a signed-in page whose network can be cut, and a Node SyncClient with an access
 * token standing in for a second user who stays online.
 */

export interface OfflineWorldOptions {
  /** Serve a private copy of the web build, so a test can publish a "new version" of it. */
  readonly copyOfWebBuild?: boolean;
}

export interface OfflineWorld {
  /** The server and the browser, shared by the tests of one file (started in beforeAll). */
  readonly world: BrowserWorld;
  /** The folder the server serves the web app from (the copy with `copyOfWebBuild`). */
  readonly webDir: string;
}

/**
 * Starts one browser world for the enclosing `describe` (beforeAll) and closes it after
 * (afterAll). Use inside `describeInBrowser`, which skips, and says so, where Chromium or
 * the web build is missing.
 */
export function useOfflineWorld(options: OfflineWorldOptions = {}): OfflineWorld {
  let world: BrowserWorld | undefined;
  let webCopy: ReturnType<typeof makeTempDir> | undefined;

  beforeAll(async () => {
    if (options.copyOfWebBuild) {
      webCopy = makeTempDir('desk-web-');
      fs.cpSync(webBuildDir, webCopy.dir, { recursive: true });
    }
    world = await startBrowserWorld({ webDir: webCopy?.dir ?? webBuildDir });
  });
  afterAll(async () => {
    await world?.close();
    webCopy?.remove();
  });

  return {
    get world() {
      if (!world) throw new Error('the offline world starts in beforeAll: use it inside a test');
      return world;
    },
    get webDir() {
      return webCopy?.dir ?? webBuildDir;
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
  world: BrowserWorld,
  name: string,
  slug: string,
): Promise<{ owner: Account; workspace: Workspace }> {
  const http = new HttpSession(world.base);
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
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
  name: string,
): Promise<Account> {
  const email = `${name.toLowerCase()}@example.com`;
  await owner.http.call('POST', `/api/workspaces/${workspace.slug}/invitations`, {
    email,
    role: 'agent',
  });
  const mail = world.server.ctx.db
    .prepare(
      'SELECT text_body FROM mail_outbox WHERE to_address = ? ORDER BY created_at DESC LIMIT 1',
    )
    .get(email) as { text_body: string };
  const token = /[?&#]token=([A-Za-z0-9_-]+)/.exec(mail.text_body)?.[1] ?? '';
  const http = new HttpSession(world.base);
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
  world: BrowserWorld,
  account: Account,
  workspace: Workspace,
): Promise<SyncClient> {
  const { token } = await account.http.call<{ token: string }>('POST', '/api/auth/tokens', {
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

export interface SeededTicket {
  id: string;
  number: number;
  title: string;
  /** The description's one paragraph. */
  description: string;
}

/**
 * Writes `count` tickets (index entries + ticket docs with a one-paragraph description)
 * straight into the sync engine, with numbers reserved through the REST API so tickets
 * created later in the browser never reuse them.
 */
export async function seedTickets(
  world: BrowserWorld,
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
    const text = description(i);
    paragraph.insert(0, [new Y.XmlText(text)]);
    ticket.description.insert(0, [paragraph]);
    await world.server.sync.applyServerUpdate(
      docIds.ticket(workspace.id, id),
      Y.encodeStateAsUpdate(ticketDoc),
    );
    tickets.push({ id, number: numbers[i]!, title, description: text });
  }
  await world.server.sync.applyServerUpdate(
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

/** Waits until the sync status bar's words contain `text` (or match it). */
export async function waitForStatus(
  page: Page,
  text: string | RegExp,
  timeout?: number,
): Promise<void> {
  await page.getByTestId('offline-status-text').filter({ hasText: text }).waitFor({ timeout });
}

/** Waits until the status bar says everything is on the server. */
export function waitAllSaved(page: Page, timeout = 60_000): Promise<void> {
  return waitForStatus(page, 'all changes saved', timeout);
}

/**
 * Opens `url` and waits until everything is on the server; with `serviceWorker`, also until
 * the service worker controls the page, so that a later load offline is served by it.
 */
export async function loadSynced(
  page: Page,
  url: string,
  options: { serviceWorker?: boolean } = {},
): Promise<void> {
  await page.goto(url);
  if (options.serviceWorker) await waitForServiceWorker(page);
  await waitAllSaved(page);
}

/** Opens a seeded ticket's page and waits for its description; returns the editor. */
export async function openSeededTicket(
  page: Page,
  workspaceUrl: string,
  ticket: SeededTicket,
): Promise<Locator> {
  await page.goto(`${workspaceUrl}/t/${ticket.number}`);
  const description = page.getByTestId('description');
  await description.filter({ hasText: ticket.description }).waitFor();
  return description;
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

export interface NetworkControl {
  offline(): Promise<void>;
  online(): Promise<void>;
}

/**
 * Network control for one browser context. `context.setOffline(true)` stops new requests
 * but leaves an open WebSocket alone, while a real network loss kills it: every `/sync`
 * socket is routed through Playwright so going offline also drops the live ones, and
 * attempts while offline fail as they would.
 */
async function networkControl(context: BrowserContext): Promise<NetworkControl> {
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

export interface SignedInPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly network: NetworkControl;
}

/**
 * A fresh browser context (its own IndexedDB, caches and service worker) with network
 * control, signed in as `account`, and one blank page: the page's first `goto` is the test's.
 */
export async function openSignedInPage(
  world: BrowserWorld,
  account: Account,
  contextOptions: BrowserContextOptions = {},
): Promise<SignedInPage> {
  const context = await world.browser.newContext(contextOptions);
  const network = await networkControl(context);
  const page = await context.newPage();
  await signInBrowser(context, world.base, account);
  return { context, page, network };
}

/** Cuts the page's network and waits until its status bar says it is offline. */
export async function goOffline(
  { page, network }: SignedInPage,
  status: RegExp = /^Offline/,
): Promise<void> {
  await network.offline();
  await waitForStatus(page, status);
}

export interface OwnerDesk extends SignedInPage {
  readonly owner: Account;
  readonly workspace: Workspace;
  readonly tickets: SeededTicket[];
  /** `<base>/w/<slug>`, the workspace's ticket list. */
  readonly workspaceUrl: string;
}

/**
 * A fresh owner with a workspace of `ticketCount` seeded tickets, signed in on a page of
 * their own (nothing loaded yet).
 */
export async function openOwnerDesk(
  world: BrowserWorld,
  name: string,
  slug: string,
  ticketCount: number,
): Promise<OwnerDesk> {
  const { owner, workspace } = await signUpOwner(world, name, slug);
  const tickets = await seedTickets(world, owner, workspace, ticketCount);
  const signedIn = await openSignedInPage(world, owner);
  return { ...signedIn, owner, workspace, tickets, workspaceUrl: `${world.base}/w/${slug}` };
}
