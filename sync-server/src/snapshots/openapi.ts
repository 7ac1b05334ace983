import {
  CreateSnapshotRequest,
  CreateSnapshotResponse,
  RestoreRequest,
  RestoreResponse,
  SnapshotContentsResponse,
  SnapshotDiffResponse,
  SnapshotListResponse,
  SnapshotNoticeResponse,
  SnapshotTicketResponse,
  UndoRestoreResponse,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

const base = '/api/workspaces/{slug}/snapshots';
const readOnly =
  '`workspace_read_only`: a suspended or terminated workspace cannot change; `snapshot_busy`: another process kept the workspace past the wait.';
const noSnapshot = '`not_found`: no such workspace, snapshot, ticket or notice for the caller.';

/** Terms §4: the operator disabled access to this ticket or notice (SPEC MOD-4, MOD-6). */
const disabled =
  '`content_disabled`: the operator disabled access to this ticket or notice (terms §4); `reason` says why.';

/** Snapshots of a workspace: browse, take, restore, undo a restore (owners and admins). */
export const snapshotRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: base,
    summary: 'List snapshots (time, trigger, author, label, size, document count).',
    auth: 'manager',
    responses: { 200: ok('Newest first.', SnapshotListResponse) },
  },
  {
    method: 'post',
    path: base,
    summary: 'Take a manual snapshot with an optional label.',
    auth: 'manager',
    body: CreateSnapshotRequest,
    bodyOptional: true,
    responses: {
      201: ok('The snapshot.', CreateSnapshotResponse),
      400: '`validation_failed`.',
      409: readOnly,
    },
  },
  {
    method: 'get',
    path: `${base}/{snapshotId}`,
    summary: 'One snapshot with its contents (tickets and notices as they were).',
    auth: 'manager',
    responses: { 200: ok('The snapshot.', SnapshotContentsResponse), 404: noSnapshot },
  },
  {
    method: 'get',
    path: `${base}/{snapshotId}/diff`,
    summary: 'What changed between the snapshot and now (added, removed, changed).',
    auth: 'manager',
    responses: { 200: ok('The changes.', SnapshotDiffResponse), 404: noSnapshot },
  },
  {
    method: 'get',
    path: `${base}/{snapshotId}/tickets/{ticketId}`,
    summary: 'A ticket as it was in the snapshot (read-only).',
    auth: 'manager',
    responses: {
      200: ok(
        'The ticket (a disabled comment shows the words instead of its text).',
        SnapshotTicketResponse,
      ),
      404: noSnapshot,
      451: disabled,
    },
  },
  {
    method: 'get',
    path: `${base}/{snapshotId}/notices/{noticeId}`,
    summary: 'A notice as it was in the snapshot (read-only).',
    auth: 'manager',
    responses: { 200: ok('The notice.', SnapshotNoticeResponse), 404: noSnapshot, 451: disabled },
  },
  {
    method: 'post',
    path: `${base}/{snapshotId}/restore`,
    summary:
      'Restore the workspace, one ticket or one notice to the snapshot as a forward change; a pre-restore snapshot is taken first.',
    auth: 'manager',
    body: RestoreRequest,
    responses: {
      200: ok('The restore and its pre-restore snapshot.', RestoreResponse),
      400: '`validation_failed`.',
      404: noSnapshot,
      409: readOnly,
      451: disabled,
    },
  },
  {
    method: 'post',
    path: `${base}/{snapshotId}/undo`,
    summary:
      'Undo the restore this pre-restore snapshot was taken before, as a forward change: only what the restore changed, and only where nobody changed it since. Lists what was put back and what was left alone.',
    auth: 'manager',
    responses: {
      200: ok('`{ restoreOf, undone, leftAlone }`.', UndoRestoreResponse),
      404: noSnapshot,
      409: '`restore_already_undone`, `restore_not_undoable`, `snapshot_busy`, or a read-only workspace.',
    },
  },
];
