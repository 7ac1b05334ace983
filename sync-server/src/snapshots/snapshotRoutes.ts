import type { Context, Hono } from 'hono';
import {
  ErrorCode,
  type RestoreResponse,
  type SnapshotContentsResponse,
  type SnapshotDiffResponse,
  type SnapshotListResponse,
  type SnapshotNoticeResponse,
  type SnapshotSummary,
  type SnapshotTicketResponse,
  type UndoRestoreResponse,
} from '@desk/protocol';
import { readBody } from '../http/readBody/index.ts';
import { AppError } from '../http/AppError.ts';
import type { ServerContext } from '../ServerContext.ts';
import {
  memberRequest,
  type MemberRequest,
  type MemberStores,
} from '../workspaces/memberRequest.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { RestoreTarget } from './Restorer.ts';
import { toSummary, type SnapshotService } from './SnapshotService.ts';
import { CreateSnapshotRequest, RestoreRequest } from '@desk/protocol/rest';

/** What the snapshot routes use besides the service (built once in createServices). */
export interface SnapshotRouteDeps extends ServerContext, MemberStores {
  readonly workspaceAccess: WorkspaceAccessStore;
}

/**
 * `/api/workspaces/:slug/snapshots…` — owners and admins browse, take and restore
 * snapshots of their workspace (a snapshot shows deleted content and every ticket, so
 * agents and viewers do not), and undo a restore. Taking, restoring and undoing change the
 * workspace, so a read-only (suspended, terminated) workspace refuses them.
 */
export function installSnapshotRoutes(
  app: Hono,
  ctx: SnapshotRouteDeps,
  service: SnapshotService,
): void {
  const base = '/api/workspaces/:slug/snapshots';

  app.get(base, (c) => {
    const { workspace } = adminRequest(ctx, c);
    const body: SnapshotListResponse = { snapshots: service.list(workspace.id).map(toSummary) };
    return c.json(body);
  });

  app.post(base, async (c) => {
    const request = adminRequest(ctx, c);
    requireWritable(ctx, request);
    const { label } = await readBody(c, CreateSnapshotRequest);
    const snapshot = await service.take(request.workspace.id, {
      trigger: 'manual',
      authorUserId: request.auth.user.id,
      label: label || null,
    });
    const body: { snapshot: SnapshotSummary } = { snapshot: toSummary(snapshot) };
    return c.json(body, 201);
  });

  app.get(`${base}/:snapshotId`, async (c) => {
    const { workspace } = adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = service.get(workspace.id, snapshotId);
    const contents = await service.contents(workspace.id, snapshotId);
    const body: SnapshotContentsResponse = { snapshot: toSummary(snapshot), ...contents };
    return c.json(body);
  });

  app.get(`${base}/:snapshotId/diff`, async (c) => {
    const { workspace } = adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = service.get(workspace.id, snapshotId);
    const diff = await service.diff(workspace.id, snapshotId);
    const body: SnapshotDiffResponse = { snapshot: toSummary(snapshot), ...diff };
    return c.json(body);
  });

  app.get(`${base}/:snapshotId/tickets/:ticketId`, async (c) => {
    const { workspace } = adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = service.get(workspace.id, snapshotId);
    const ticket = await service.ticket(workspace.id, snapshotId, c.req.param('ticketId'));
    const body: SnapshotTicketResponse = { snapshot: toSummary(snapshot), ...ticket };
    return c.json(body);
  });

  app.get(`${base}/:snapshotId/notices/:noticeId`, async (c) => {
    const { workspace } = adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = service.get(workspace.id, snapshotId);
    const notice = await service.notice(workspace.id, snapshotId, c.req.param('noticeId'));
    const body: SnapshotNoticeResponse = { snapshot: toSummary(snapshot), ...notice };
    return c.json(body);
  });

  app.post(`${base}/:snapshotId/restore`, async (c) => {
    const request = adminRequest(ctx, c);
    requireWritable(ctx, request);
    const parsed = await readBody(c, RestoreRequest);
    const target: RestoreTarget =
      parsed.scope === 'workspace'
        ? { kind: 'workspace' }
        : parsed.scope === 'ticket'
          ? { kind: 'ticket', id: parsed.ticketId }
          : { kind: 'notice', id: parsed.noticeId };
    const result = await service.restore(
      request.workspace.id,
      c.req.param('snapshotId'),
      target,
      request.auth.user.id,
    );
    const body: RestoreResponse = result;
    return c.json(body);
  });

  // `:snapshotId` is the pre-restore snapshot, the one the list offers "Undo" on.
  app.post(`${base}/:snapshotId/undo`, async (c) => {
    const request = adminRequest(ctx, c);
    requireWritable(ctx, request);
    const body: UndoRestoreResponse = await service.undo(
      request.workspace.id,
      c.req.param('snapshotId'),
      request.auth.user.id,
    );
    return c.json(body);
  });
}

function adminRequest(ctx: SnapshotRouteDeps, c: Context): MemberRequest {
  const request = memberRequest(ctx, c);
  // An operator under a support grant may read snapshots (terms §3), never take or restore.
  if (request.support && c.req.method === 'GET') return request;
  if (request.role !== 'owner' && request.role !== 'admin') {
    throw AppError.forbidden('Only the owner and admins can use snapshots.');
  }
  return request;
}

function requireWritable(ctx: SnapshotRouteDeps, request: MemberRequest): void {
  const access = ctx.workspaceAccess.of(request.auth.user.id, request.workspace.id);
  if (!access?.canWrite) {
    throw new AppError(
      ErrorCode.workspaceReadOnly,
      403,
      'This workspace is read-only, so snapshots cannot be taken or restored now.',
    );
  }
}
