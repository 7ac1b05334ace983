import { AccountDeletion } from './auth/AccountDeletion.ts';
import type { Services } from './Services.ts';
import type { SyncEngine } from './sync/SyncEngine.ts';

/**
 * The services that need the sync engine, which is built after `createServices` (its auth
 * needs the stores): built once by `createSyncServices` as soon as the engine exists, and
 * handed to the modules that need them like every other service.
 */
export interface SyncServices {
  /** A user deleting their own account; their private docs go through the engine. */
  readonly accountDeletion: AccountDeletion;
}

export function createSyncServices(services: Services, engine: SyncEngine): SyncServices {
  return {
    accountDeletion: new AccountDeletion({ ...services, docs: engine }),
  };
}
