import {
  OperatorDeletionList,
  RequestWorkspaceDeletionRequest,
  WorkspaceDeletionStatus,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

const closed =
  'While a deletion is pending every other `/api/workspaces/{slug}` route answers 410 `workspace_deleted` to members (non-members get 404 as always), and sync refuses the documents with `workspace_deleted` (on `/yjs`: close 4404 with that reason).';

/** Workspace deletion (issue 16): status, request, cancel; the operator's list. */
export const deletionRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/workspaces/{slug}/deletion',
    summary: 'Where the deletion of the workspace stands (any member; answers while it is closed).',
    description: closed,
    auth: 'member',
    responses: {
      200: ok('The status; `pending` false when nothing is scheduled.', WorkspaceDeletionStatus),
    },
  },
  {
    method: 'post',
    path: '/api/workspaces/{slug}/deletion',
    summary: 'Delete the workspace (the owner, password typed again, a browser session).',
    description: `The workspace closes at once and is purged 7 days later unless the owner cancels: every document, update, snapshot, attachment, export, invitation, membership and seat record of it is deleted and overwritten in the database file, so backups made afterwards do not contain it. ${closed} The owner gets an email now and one day before the purge; audit entries \`workspace.deletion_requested\`, \`workspace.deletion_cancelled\`, \`workspace.deletion_purged\`.`,
    auth: 'owner',
    body: RequestWorkspaceDeletionRequest,
    responses: {
      202: ok('Scheduled; the workspace is closed.', WorkspaceDeletionStatus),
      400: '`validation_failed`.',
      403: '`invalid_credentials` (wrong password, `fields.password`), or `forbidden` (not the owner, or an access token).',
      410: '`workspace_deleted`: a deletion is already pending.',
      429: '`rate_limited`.',
    },
  },
  {
    method: 'delete',
    path: '/api/workspaces/{slug}/deletion',
    summary:
      'Cancel a pending deletion within its 7 days (the owner); the workspace opens again as it was.',
    auth: 'owner',
    responses: {
      200: ok('Cancelled; `pending` is false.', WorkspaceDeletionStatus),
      409: '`invalid_state_transition`: no deletion is pending.',
      410: '`workspace_deleted`: the deletion can no longer be cancelled (the purge is due, or it follows a terminated subscription).',
    },
  },
  {
    method: 'get',
    path: '/api/operator/deletions',
    summary:
      'Workspaces pending deletion (name, slug, purge date) and purged ones (ids and dates only).',
    description:
      'Read-only. Pending: soonest purge first. Purged: the latest 200, newest first; a purged workspace has no name or content left, only the `purged_workspaces` record.',
    auth: 'operator',
    responses: { 200: ok('`{ pending, purged }`.', OperatorDeletionList) },
  },
];
