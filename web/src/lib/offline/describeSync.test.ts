import { describe, expect, it } from 'vitest';
import { CloseCode, DocErrorCode } from '@desk/protocol';
import { describeSync, isLastingRefusal } from './describeSync.ts';
import type { OfflineSnapshot } from './describeSync.ts';

const base: OfflineSnapshot = {
  connection: { kind: 'synced', syncingDocs: 0, pendingUpdates: 0 },
  dirtyDocs: 0,
  replication: { total: 0, done: 0, ticketsTotal: 0, ticketsDone: 0, running: false },
  queuedUploads: 0,
  refusal: null,
  drafts: 0,
};
const at = (hhmm: string) => Date.parse(`2026-11-27T${hhmm}:00Z`);
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const describe_ = (patch: Partial<OfflineSnapshot>) => describeSync({ ...base, ...patch }, hhmm);

describe('describeSync', () => {
  it('says online when everything is on the server', () => {
    expect(describe_({}).text).toBe('Online — all changes saved');
  });

  it('says since when the device is offline, and what is kept locally', () => {
    const d = describe_({
      connection: { kind: 'offline', syncingDocs: 0, pendingUpdates: 3, offlineSince: at('14:05') },
    });
    expect(d.text).toBe('Offline since 14:05');
    expect(d.detail).toContain('3 local changes not yet on the server');
  });

  it('says saving, not yet confirmed, when an edit waits too long for the server', () => {
    const d = describe_({
      connection: { kind: 'syncing', syncingDocs: 0, pendingUpdates: 2, unconfirmed: true },
      replication: { total: 10, done: 3, ticketsTotal: 0, ticketsDone: 0, running: true },
    });
    expect(d.text).toBe('Saving… (not yet confirmed by the server)');
    expect(d.tone).toBe('busy');
    expect(d.detail).toContain('2 local changes not yet on the server');
  });

  it('never says all changes saved while a change waits for the server', () => {
    for (const connection of [
      { kind: 'syncing', syncingDocs: 0, pendingUpdates: 1 },
      { kind: 'syncing', syncingDocs: 0, pendingUpdates: 1, unconfirmed: true },
      { kind: 'offline', syncingDocs: 0, pendingUpdates: 1 },
      { kind: 'connecting', syncingDocs: 0, pendingUpdates: 1 },
    ] as const) {
      expect(describe_({ connection }).text).not.toMatch(/all changes saved/);
    }
  });

  it('shows replication progress as tickets available offline, with thousands separators', () => {
    const d = describe_({
      replication: {
        total: 5010,
        done: 1244,
        ticketsTotal: 5000,
        ticketsDone: 1234,
        running: true,
      },
    });
    expect(d.text).toBe('1,234 of 5,000 tickets available offline');
    const docs = describe_({
      replication: { total: 12, done: 3, ticketsTotal: 0, ticketsDone: 0, running: true },
    });
    expect(docs.text).toBe('Syncing 3 of 12');
  });

  it('explains a refused change at the document-size limit as a full workspace, or a full ticket', () => {
    expect(describe_({ refusal: DocErrorCode.docTooLarge, refusalDocKind: 'index' }).text).toBe(
      'Workspace full — upgrade or archive. The change was not saved.',
    );
    expect(describe_({ refusal: DocErrorCode.docTooLarge, refusalDocKind: 'ticket' }).text).toBe(
      'This ticket has reached the size limit of the plan: the change was not saved.',
    );
    expect(describe_({ refusal: DocErrorCode.docTooLarge, refusalDocKind: 'channel' }).text).toBe(
      'This channel has reached the size limit of the plan: the change was not saved.',
    );
    expect(describe_({ refusal: DocErrorCode.docTooLarge }).text).toMatch(/^Workspace full/);
    expect(describe_({ refusal: DocErrorCode.updateTooLarge }).text).toBe(
      'A change was too large for the server and was not saved.',
    );
  });

  it('explains a new ticket refused at the plan’s ticket limit as a full workspace', () => {
    expect(describe_({ refusal: DocErrorCode.ticketLimit, refusalDocKind: 'ticket' }).text).toBe(
      'Workspace full: the plan’s ticket limit is reached — upgrade, or delete old tickets. The new ticket was not saved.',
    );
  });

  it('LIMIT-12 explains a change refused for storage as a full workspace, where deleting still works', () => {
    expect(describe_({ refusal: DocErrorCode.storageFull }).text).toMatch(
      /^Workspace storage full: .*The change was not saved; deleting still works\.$/,
    );
    expect(isLastingRefusal(DocErrorCode.storageFull)).toBe(true);
  });

  it('IDX-GEN-7 explains changes of a device offline past the limit as not saved, the copy reloaded and the drafts kept', () => {
    const said = describe_({ refusal: DocErrorCode.replicaTooOld, drafts: 2 });
    expect(said.text).toMatch(/^This device was offline longer than .*reloaded from the server\.$/);
    expect(said.detail).toBe(
      '2 refused changes kept as drafts on this device — download them to keep your work.',
    );
    expect(isLastingRefusal(DocErrorCode.replicaTooOld)).toBe(true);
  });

  it('LIMIT-9 explains a change refused for the update rate as kept and sent again', () => {
    expect(describe_({ refusal: DocErrorCode.rateLimited }).text).toBe(
      'Too many changes at once: they are kept on this device and sent again in a moment.',
    );
  });

  it('CLIENT-2 holds only refusals the user must know about, not those the client recovers from', () => {
    // The client subscribes again and its step 2 carries what the server lacked.
    expect(isLastingRefusal(DocErrorCode.missingDependencies)).toBe(false);
    expect(isLastingRefusal(DocErrorCode.storageUnavailable)).toBe(false);
    expect(isLastingRefusal(DocErrorCode.rateLimited)).toBe(false);
    for (const code of [
      DocErrorCode.docTooLarge,
      DocErrorCode.ticketLimit,
      DocErrorCode.workspaceReadOnly,
      DocErrorCode.accessRevoked,
    ]) {
      expect(isLastingRefusal(code)).toBe(true);
    }
  });

  it('counts local changes by unacknowledged updates or dirty docs, whichever is more', () => {
    expect(describe_({ dirtyDocs: 2 }).text).toBe('2 local changes not yet on the server');
    expect(
      describe_({ connection: { kind: 'syncing', syncingDocs: 0, pendingUpdates: 1 } }).text,
    ).toBe('1 local change not yet on the server');
  });

  it('explains an ended session and that the changes wait for the same user', () => {
    const d = describe_({
      connection: {
        kind: 'error',
        syncingDocs: 0,
        pendingUpdates: 0,
        error: { code: CloseCode.unauthenticated, message: 'x' },
      },
      dirtyDocs: 1,
    });
    expect(d.tone).toBe('error');
    expect(d.text).toBe('Your session has ended. Sign in again to sync.');
    expect(d.detail).toContain('same user');
  });

  it('explains a read-only workspace and offers the refused changes', () => {
    const d = describe_({ refusal: DocErrorCode.workspaceReadOnly, drafts: 2 });
    expect(d.text).toMatch(/read-only/);
    expect(d.detail).toContain('2 refused changes kept as drafts');
  });

  it('explains a removed membership', () => {
    expect(describe_({ refusal: DocErrorCode.accessRevoked }).text).toBe(
      'You are no longer a member of this workspace: nothing syncs any more.',
    );
  });

  it('never promises that work will sync once the membership is gone, even offline', () => {
    for (const refusal of [DocErrorCode.notMember, DocErrorCode.accessRevoked]) {
      for (const kind of ['offline', 'connecting', 'syncing', 'synced'] as const) {
        const d = describe_({
          refusal,
          dirtyDocs: 2,
          connection: { kind, syncingDocs: 0, pendingUpdates: 2 },
        });
        expect(`${d.text} ${d.detail}`).not.toMatch(/will sync|sync when|sync after|sync later/);
      }
    }
  });

  it('does not promise a later sync after the session was revoked', () => {
    const d = describe_({
      connection: {
        kind: 'error',
        syncingDocs: 0,
        pendingUpdates: 0,
        error: { code: CloseCode.sessionRevoked, message: 'x' },
      },
      dirtyDocs: 1,
    });
    expect(d.detail).toContain('download them to keep your work');
    expect(d.detail).not.toMatch(/sync after|sync when/);
  });
});
