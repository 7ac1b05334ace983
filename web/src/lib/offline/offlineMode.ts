import { offlineModeKey } from './localKeys.ts';
import { ReplicationMode } from './ReplicationPolicy.ts';

/**
 * The per-device choice of how much of a workspace to keep offline (issue 15 #3), kept in
 * this browser's localStorage: it belongs to the device, not to the account, so choosing
 * "everything offline" on a laptop does not fill a phone.
 */
export function readOfflineMode(workspaceId: string, userId: string): ReplicationMode {
  try {
    const value = localStorage.getItem(offlineModeKey(workspaceId, userId));
    return value === ReplicationMode.everything
      ? ReplicationMode.everything
      : ReplicationMode.needed;
  } catch {
    // Storage blocked: the default.
    return ReplicationMode.needed;
  }
}

export function writeOfflineMode(workspaceId: string, userId: string, mode: ReplicationMode): void {
  const key = offlineModeKey(workspaceId, userId);
  if (mode === ReplicationMode.needed) localStorage.removeItem(key);
  else localStorage.setItem(key, mode);
}
