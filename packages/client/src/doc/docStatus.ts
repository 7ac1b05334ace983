import type { DocStatus } from '../status/SyncStatus.ts';
import type { LocalStoreError } from '../store/LocalStoreError.ts';
import { errorOf, isLive } from './Subscription.ts';
import type { Subscription } from './Subscription.ts';

/** What a replica knows about itself, from which its status follows. */
export interface ReplicaFacts {
  readonly subscription: Subscription;
  readonly loaded: boolean;
  /** Has the server's state, the server has all of ours, no reset running. */
  readonly settled: boolean;
  readonly pending: number;
  readonly readOnly: boolean;
  readonly saveError: LocalStoreError | null;
}

/**
 * One doc's status for handles and the UI. The server's error outranks everything (the
 * user must act, or wait for the retry); then the local copy loading; then the connection.
 */
export function docStatus(facts: ReplicaFacts): DocStatus {
  const { saveError } = facts;
  const base = {
    pending: facts.pending,
    readOnly: facts.readOnly,
    ...(saveError
      ? {
          localSave: 'failed' as const,
          localSaveError: { code: saveError.code, message: saveError.words },
        }
      : { localSave: 'ok' as const }),
  };
  const error = errorOf(facts.subscription);
  if (error) return { kind: 'error', ...base, error: { ...error } };
  if (!facts.loaded) return { kind: 'loading', ...base };
  if (!isLive(facts.subscription)) return { kind: 'offline', ...base };
  return { kind: facts.settled ? 'synced' : 'syncing', ...base };
}
