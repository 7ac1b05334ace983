import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { storageFull } from '../store/localStoreContract.ts';
import { LocalStoreError, LocalStoreErrorCode } from '../store/LocalStoreError.ts';
import { docStatus } from './docStatus.ts';
import type { ReplicaFacts } from './docStatus.ts';
import { IDLE } from './Subscription.ts';

const docId = 'w1:ticket:t1';
const revoked = { code: DocErrorCode.accessRevoked, message: 'removed' };
const facts = (overrides: Partial<ReplicaFacts> = {}): ReplicaFacts => ({
  subscription: { kind: 'subscribed', awaitingStep2: 0, ownStep2Out: true },
  loaded: true,
  settled: true,
  pending: 0,
  readOnly: false,
  saveError: null,
  ...overrides,
});

describe('docStatus', () => {
  it('is synced when settled on a confirmed subscription', () => {
    expect(docStatus(facts())).toEqual({
      kind: 'synced',
      pending: 0,
      readOnly: false,
      localSave: 'ok',
    });
  });

  it('is syncing while subscribed but not settled, with the pending count', () => {
    expect(docStatus(facts({ settled: false, pending: 2 }))).toMatchObject({
      kind: 'syncing',
      pending: 2,
    });
    expect(
      docStatus(
        facts({
          subscription: { kind: 'subscribing', awaitingStep2: 1, ownStep2Out: false, error: null },
          settled: false,
        }),
      ),
    ).toMatchObject({ kind: 'syncing' });
  });

  it('is offline when loaded and not subscribed', () => {
    expect(docStatus(facts({ subscription: IDLE, settled: false })).kind).toBe('offline');
  });

  it('is loading until the local copy is read, even when subscribed', () => {
    expect(docStatus(facts({ loaded: false })).kind).toBe('loading');
  });

  it('shows the server’s error before anything else', () => {
    const status = docStatus(
      facts({ subscription: { kind: 'blocked', error: revoked }, loaded: false }),
    );
    expect(status).toMatchObject({ kind: 'error', error: revoked });
  });

  it('says in words when this device cannot save the doc', () => {
    const saveError = new LocalStoreError(LocalStoreErrorCode.writeFailed, docId, storageFull());
    expect(docStatus(facts({ saveError, readOnly: true }))).toEqual({
      kind: 'synced',
      pending: 0,
      readOnly: true,
      localSave: 'failed',
      localSaveError: {
        code: 'write_failed',
        message:
          'Changes could not be saved on this device: the browser’s storage for this site is full.',
      },
    });
  });
});
