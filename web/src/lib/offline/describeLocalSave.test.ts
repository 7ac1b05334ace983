import { LocalStoreErrorCode } from '@desk/client';
import type { SyncStatus } from '@desk/client';
import { describe, expect, it } from 'vitest';
import { describeLocalSave } from './describeLocalSave.ts';

const full =
  'Changes could not be saved on this device: the browser’s storage for this site is full.';
const failed = (
  kind: SyncStatus['kind'],
  code: LocalStoreErrorCode = LocalStoreErrorCode.writeFailed,
) =>
  ({
    kind,
    localSave: 'failed',
    localSaveError: { code, message: full, docs: 1 },
  }) satisfies Pick<SyncStatus, 'kind' | 'localSave' | 'localSaveError'>;

describe('describeLocalSave', () => {
  it('says nothing while this device saves', () => {
    expect(describeLocalSave({ kind: 'offline', localSave: 'ok' }, 3)).toBeNull();
  });

  it('says a change could not be saved here, and to stay online until it is synced', () => {
    expect(describeLocalSave(failed('syncing'), 2)).toEqual({
      text: 'This browser could not save your changes on this device (storage is full or blocked).',
      detail:
        'Stay online and keep this tab open until they are synced (2 changes not yet on the server), or free up space.',
      reason: full,
    });
  });

  it('warns offline that closing or reloading the tab loses the changes', () => {
    expect(describeLocalSave(failed('offline'), 1)?.detail).toBe(
      'Keep this tab open until the connection is back and they are synced (1 change not yet on the server): closing or reloading it now loses them. Or free up space.',
    );
  });

  it('says the server has everything when nothing is unsynced', () => {
    expect(describeLocalSave(failed('synced'), 0)?.detail).toBe(
      'Your changes are on the server, but this device’s offline copy is incomplete. Free up space, or stay online.',
    );
  });

  it('puts an unreadable copy in its own words', () => {
    expect(describeLocalSave(failed('synced', LocalStoreErrorCode.loadFailed), 0)?.text).toBe(
      'This browser could not read its copy of your work on this device, so changes are not saved here (storage is full or blocked).',
    );
  });
});
