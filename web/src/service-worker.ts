/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
import { build, files, version } from '$service-worker';

/**
 * The app shell offline (issue 7, terms §9): every built file is cached at install, so a
 * reload with no network opens the app from this cache and the desk runs on the local
 * replica (IndexedDB). Only the app itself is cached — never `/api/*`, `/sync` or `/yjs`:
 * customer data lives in the replica, and a cached API answer would be stale or another
 * user's.
 *
 * Updates: a new build has a new `version`, so a new worker installs beside the old one and
 * waits. The page sees it waiting and shows "New version available — Reload"; the button
 * posts `skip-waiting`, the worker takes over and the page reloads onto the new files. Old
 * caches are dropped when the new worker activates.
 */
const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = `desk-app-${version}`;
/** adapter-static's SPA fallback: every navigation is answered with it when offline. */
const SHELL = '/index.html';
const ASSETS = [...new Set([...build, ...files, SHELL])];

/** Same-origin paths that are data or live connections, never app files. */
const NEVER_CACHED = ['/api/', '/sync', '/yjs', '/_app/version.json'];

/** Puts every app file of this version into the cache (skipping those already there). */
async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  const missing: string[] = [];
  for (const url of ASSETS) if (!(await cache.match(url))) missing.push(url);
  // `reload`: bypass the HTTP cache so the shell matches this version's assets.
  await cache.addAll(missing.map((url) => new Request(url, { cache: 'reload' })));
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      await precache();
      // The very first worker has nobody to disturb: take over at once. A later one waits
      // for the user's "Reload" so a page never runs old code with new assets.
      if (!sw.registration.active) await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Navigation preload (issue 15: reload within 1 s): the browser sends a navigation's
      // request itself while this worker starts, instead of after it started and ran its
      // fetch handler — the worker's start-up is off a reload's path to the network.
      await sw.registration.navigationPreload?.enable().catch(() => undefined);
      for (const key of await caches.keys()) {
        if (key.startsWith('desk-app-') && key !== CACHE) await caches.delete(key);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  const type = (event.data as { type?: unknown } | null)?.type;
  if (type === 'skip-waiting') void sw.skipWaiting();
  // After a logout wiped the caches, the next signed-in page asks for them back.
  if (type === 'precache') event.waitUntil(precache().catch(() => undefined));
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (NEVER_CACHED.some((prefix) => url.pathname.startsWith(prefix))) return;

  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(fromCacheFirst(request, url.pathname));
  }
});

/** A server that does not answer in this time counts as unreachable for navigations. */
const NAVIGATION_TIMEOUT_MS = 4000;

/**
 * Navigations go to the network first (the server's fallback is `no-cache`, so an online
 * load sees a new release at once); with no network — or a network that swallows requests
 * (terms §9: access blocked) — the cached shell opens the app.
 */
async function navigate(event: FetchEvent): Promise<Response> {
  // The preloaded answer when navigation preload is on (sent while the worker started),
  // else a fetch of our own; a failed preload is a failed network, as a failed fetch.
  const preloaded = Promise.resolve(
    event.preloadResponse as Promise<Response | undefined> | undefined,
  );
  const network = preloaded.then((response) => response ?? fetch(event.request));
  network.catch(() => undefined); // a late failure after the cached shell was served
  const timeout = new Promise<null>((resolve) =>
    setTimeout(() => resolve(null), NAVIGATION_TIMEOUT_MS),
  );
  try {
    const response = await Promise.race([network, timeout]);
    if (response) return response;
  } catch {
    // unreachable: fall through to the cached shell
  }
  const cached = await caches.match(SHELL, { cacheName: CACHE });
  if (cached) return cached;
  try {
    return await network;
  } catch {
    return new Response('Offline, and the app is not cached yet. Connect once, then reload.', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
}

/** Built files are content-hashed: the cached copy is the right one. */
async function fromCacheFirst(request: Request, path: string): Promise<Response> {
  // One cache lookup on the common path (every app file of a start comes through here);
  // `match` with a cache name finds nothing, and creates nothing, when the cache is gone.
  const cached = await caches.match(path, { cacheName: CACHE });
  if (cached) return cached;
  // After a logout wiped the caches, stay out of the way (no re-caching) until a signed-in
  // page asks for the app cache again (`precache`).
  if (!(await caches.has(CACHE))) return fetch(request);
  const response = await fetch(request);
  if (response.ok) await (await caches.open(CACHE)).put(path, response.clone());
  return response;
}
