import type {
  BrowserContext,
  BrowserContextOptions,
  Locator,
  Page,
  WebSocketRoute,
} from 'playwright-core';
import { allowPageErrors, type BrowserWorld } from '../../support/browserWorld.ts';
import type { Account } from './offlineAccounts.ts';
import type { SeededTicket } from './offlineTickets.ts';

/**
 * The signed-in page of the offline browser tests: a browser context whose network can be
 * cut (live sync sockets included), and waits on what the page shows (the sync status bar,
 * the service worker, a seeded ticket).
 */

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
      // The browser logs each request the lost network fails; that is what going offline
      // means. The sync client tries no socket while navigator.onLine is false, so no failed
      // /sync connection is logged.
      allowPageErrors(/^Failed to load resource: net::ERR_INTERNET_DISCONNECTED$/);
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
