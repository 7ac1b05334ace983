/**
 * New versions of the app (issue 7): the service worker installs a new build beside the old
 * one and waits (src/service-worker.ts). This finds a waiting worker — at load or when one
 * appears — and, on the user's "Reload", lets it take over and reloads onto it.
 */
export function watchForUpdates(onWaiting: (worker: ServiceWorker) => void): () => void {
  if (!('serviceWorker' in navigator)) return () => undefined;
  let stopped = false;
  const offs: (() => void)[] = [];
  const report = (worker: ServiceWorker | null) => {
    // With no controller this is the first install, not an update.
    if (worker && !stopped && navigator.serviceWorker.controller) onWaiting(worker);
  };
  void navigator.serviceWorker.ready.then((registration) => {
    if (stopped) return;
    report(registration.waiting);
    const onFound = () => {
      const installing = registration.installing;
      if (!installing) return;
      const onState = () => {
        if (installing.state === 'installed') report(installing);
      };
      installing.addEventListener('statechange', onState);
      offs.push(() => installing.removeEventListener('statechange', onState));
    };
    registration.addEventListener('updatefound', onFound);
    offs.push(() => registration.removeEventListener('updatefound', onFound));
    // Ask now rather than waiting for the browser's own check (at most daily otherwise).
    void registration.update().catch(() => undefined);
  });
  return () => {
    stopped = true;
    for (const off of offs.splice(0)) off();
  };
}

/**
 * Runs `check` when a tab may have missed a deploy: it became visible again (a laptop woken
 * up, a tab brought back) or the network returned. Between those, SvelteKit's own poll
 * (`version.pollInterval` in svelte.config.js) asks.
 */
export function checkOnReturn(check: () => void): () => void {
  const onVisible = () => {
    if (document.visibilityState === 'visible') check();
  };
  document.addEventListener('visibilitychange', onVisible);
  addEventListener('online', check);
  return () => {
    document.removeEventListener('visibilitychange', onVisible);
    removeEventListener('online', check);
  };
}

/**
 * A new build is out (SvelteKit's version check): asks the service worker to fetch it, so it
 * installs and waits, and `watchForUpdates` reports it. Resolves with the waiting worker, or
 * null when there is none (no service worker, or the check failed: a plain reload then
 * loads the new build, navigations going to the network first).
 */
export async function fetchNewWorker(): Promise<ServiceWorker | null> {
  if (!('serviceWorker' in navigator) || !navigator.serviceWorker.controller) return null;
  const registration = await navigator.serviceWorker.ready;
  await registration.update().catch(() => undefined);
  const installing = registration.installing;
  if (installing) await installed(installing);
  return registration.waiting;
}

/** Resolves once the worker has finished installing, successfully or not. */
function installed(worker: ServiceWorker): Promise<void> {
  const done = () => worker.state !== 'installing' && worker.state !== 'parsed';
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const onState = () => {
      if (!done()) return;
      worker.removeEventListener('statechange', onState);
      resolve();
    };
    worker.addEventListener('statechange', onState);
  });
}

/** Activates the waiting worker and reloads once it controls the page. */
export function applyUpdate(worker: ServiceWorker): void {
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  worker.postMessage({ type: 'skip-waiting' });
}

/**
 * Asks the service worker to re-fill the app cache if it is gone (logout deletes it; the
 * next sign-in should still be able to open the app offline).
 */
export function warmAppCache(): void {
  if (!('serviceWorker' in navigator)) return;
  void navigator.serviceWorker.ready.then((registration) =>
    registration.active?.postMessage({ type: 'precache' }),
  );
}
