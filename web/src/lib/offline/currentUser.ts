import { ApiError, api } from '$lib/api/api.ts';
import { LAST_USER_KEY } from './localKeys.ts';

/** Thrown when nobody is signed in (or never was on this device): no replica may be opened. */
export class NoUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoUserError';
  }
}

/**
 * Whose replica to open: the signed-in user from the server, or — when the server cannot be
 * reached — the last user who signed in on this device (their session may have expired
 * meanwhile; their queued edits wait in their replica until they sign in again).
 */
export async function currentUserId(): Promise<string> {
  try {
    const me = await api<{ user: { id: string } }>('/api/auth/me');
    localStorage.setItem(LAST_USER_KEY, me.user.id);
    return me.user.id;
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) {
      const last = localStorage.getItem(LAST_USER_KEY);
      if (last) return last;
      throw new NoUserError('Offline, and nobody has signed in on this device yet.');
    }
    throw new NoUserError('Not signed in.');
  }
}
