import type { OfflineStatus } from './OfflineStatus.svelte.ts';

/**
 * The offline state of the open workspace on this device, for Settings ("Offline on this
 * device": what is kept, N of M tickets available offline, the everything-offline choice).
 * Attached by the sync status bar's OfflineStatus; one per tab, as one workspace is open.
 */
class OfflineDevice {
  status = $state.raw<OfflineStatus | null>(null);

  /** Called by OfflineStatus; `null` when the workspace closes. */
  attach(status: OfflineStatus | null): void {
    this.status = status;
  }
}

export const offlineDevice = new OfflineDevice();
