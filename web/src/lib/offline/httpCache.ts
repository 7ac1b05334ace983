import { APP_PREFIX } from './localKeys.ts';

/**
 * The attachment files a page was shown sit in the browser's HTTP cache (served `private`,
 * cached a year: a file never changes at its address), out of reach of the page's own
 * deletions. A device that forgets a workspace (issue 16) asks the server for a
 * `Clear-Site-Data: "cache"` answer, which empties that cache for this site.
 */
export const CLEAR_HTTP_CACHE_PATH = '/api/auth/clear-http-cache';

/** Set while a clearing is owed: offline at the time, it is asked for at the next start. */
export const HTTP_CACHE_CLEAR_PENDING_KEY = `${APP_PREFIX}:http-cache-clear-pending`;

/** Marks the clearing as owed, then asks for it; true once the browser was told. */
export async function clearHttpCache(): Promise<boolean> {
  // Outside a browser page (unit tests) there is no HTTP cache to clear.
  if (typeof location === 'undefined') return false;
  localStorage.setItem(HTTP_CACHE_CLEAR_PENDING_KEY, '1');
  return retryHttpCacheClear();
}

/** Asks for an owed clearing (at start, and right after it is owed). */
export async function retryHttpCacheClear(): Promise<boolean> {
  if (typeof location === 'undefined') return false;
  if (localStorage.getItem(HTTP_CACHE_CLEAR_PENDING_KEY) === null) return true;
  try {
    const response = await fetch(CLEAR_HTTP_CACHE_PATH, {
      method: 'POST',
      credentials: 'same-origin',
    });
    if (!response.ok) return false;
  } catch {
    return false; // offline: still owed, asked again at the next start
  }
  localStorage.removeItem(HTTP_CACHE_CLEAR_PENDING_KEY);
  return true;
}
