import { resolve } from '$app/paths';
import type { ResolvedPathname } from '$app/types';
import type { Me } from '@desk/protocol';

/**
 * Where a signed-in user lands: the terms when a new version awaits acceptance, else their
 * first workspace, else the account page.
 */
export function homePathFor(me: Me): ResolvedPathname {
  if (!me.terms.accepted && me.via === 'session') return resolve('/terms');
  const first = me.workspaces[0];
  return first ? resolve('/w/[slug]', { slug: first.slug }) : resolve('/account');
}

/**
 * A `?next=` target, only if it is a path on this site (never `//evil.example` or a full
 * URL: an open redirect after login is a phishing tool).
 */
export function safeNext(value: string | null): ResolvedPathname | null {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return null;
  }
  // Checked above to be a same-site path; the app has no base path to prepend.
  return value as ResolvedPathname;
}

/** The login page, remembering where the user wanted to go. */
export function loginPath(next?: string): ResolvedPathname {
  return next ? resolve(`/login?next=${encodeURIComponent(next)}`) : resolve('/login');
}
