import type { Context, Hono } from 'hono';
import {
  contentDisabledWords,
  ErrorCode,
  type EntryDiff,
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
  type MemberRequestDeps,
} from '../workspaces/memberRequest.ts';
import type { AsyncModerationStore } from '../moderation/ModerationStore.ts';
import { contentDisabledError } from '../moderation/ModerationService.ts';
import { Redaction } from '../moderation/redaction.ts';
import type { RestoreTarget } from './Restorer.ts';
import { toSummary, type SnapshotService, type SnapshotStores } from './SnapshotService.ts';
import { CreateSnapshotRequest, RestoreRequest } from '@desk/protocol/rest';

/** What the snapshot routes use besides the service (built once in createServices). */
export interface SnapshotRouteDeps extends ServerContext, MemberRequestDeps {
  readonly control: MemberRequestDeps['control'] &
    Pick<SnapshotStores, 'workspaceAccess'> & {
      /**
       * Terms §4: disabled tickets, notices and comments are redacted in snapshot views. Read
       * from the store at each request, not a process's cache: on a cluster a decision taken
       * on another process holds here as soon as it was answered.
       */
      readonly moderation: Pick<AsyncModerationStore, 'disabledSet'>;
    };
}

/** Terms §4 (SPEC MOD-6): the titles of disabled tickets and notices in lists and diffs. */
function redactTitles<T extends { id: string; title: string }>(
  redaction: Redaction,
  kind: 'ticket' | 'notice',
  entries: T[],
): T[] {
  return entries.map((entry) => {
    const reason = redaction.docReason(`${kind}:${entry.id}`);
    return reason === null ? entry : { ...entry, title: contentDisabledWords(reason) };
  });
}

function redactDiff<T extends { id: string; title: string }>(
  redaction: Redaction,
  kind: 'ticket' | 'notice',
  diff: EntryDiff<T>,
): EntryDiff<T> {
  return {
    added: redactTitles(redaction, kind, diff.added),
    removed: redactTitles(redaction, kind, diff.removed),
    changed: diff.changed.map((c) => ({
      ...c,
      before: redactTitles(redaction, kind, [c.before])[0]!,
      after: redactTitles(redaction, kind, [c.after])[0]!,
    })),
  };
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
  const redactionOf = async (workspaceId: string) =>
    new Redaction(workspaceId, await ctx.control.moderation.disabledSet(workspaceId));

  app.get(base, async (c) => {
    const { workspace } = await adminRequest(ctx, c);
    const body: SnapshotListResponse = {
      snapshots: (await service.list(workspace.id)).map(toSummary),
    };
    return c.json(body);
  });

  app.post(base, async (c) => {
    const request = await adminRequest(ctx, c);
    await requireWritable(ctx, request);
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
    const { workspace } = await adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = await service.get(workspace.id, snapshotId);
    const contents = await service.contents(workspace.id, snapshotId);
    const redaction = await redactionOf(workspace.id);
    const body: SnapshotContentsResponse = {
      snapshot: toSummary(snapshot),
      tickets: redactTitles(redaction, 'ticket', contents.tickets),
      notices: redactTitles(redaction, 'notice', contents.notices),
    };
    return c.json(body);
  });

  app.get(`${base}/:snapshotId/diff`, async (c) => {
    const { workspace } = await adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = await service.get(workspace.id, snapshotId);
    const diff = await service.diff(workspace.id, snapshotId);
    const redaction = await redactionOf(workspace.id);
    const body: SnapshotDiffResponse = {
      snapshot: toSummary(snapshot),
      tickets: redactDiff(redaction, 'ticket', diff.tickets),
      notices: redactDiff(redaction, 'notice', diff.notices),
    };
    return c.json(body);
  });

  app.get(`${base}/:snapshotId/tickets/:ticketId`, async (c) => {
    const { workspace } = await adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = await service.get(workspace.id, snapshotId);
    const ticketId = c.req.param('ticketId');
    // Terms §4: a disabled ticket is not served from a snapshot either (451, with the reason).
    const redaction = await redactionOf(workspace.id);
    const reason = redaction.docReason(`ticket:${ticketId}`);
    if (reason !== null) throw contentDisabledError(reason);
    const ticket = await service.ticket(workspace.id, snapshotId, ticketId, (sha256) =>
      redaction.blobReason(sha256),
    );
    const body: SnapshotTicketResponse = {
      snapshot: toSummary(snapshot),
      ...ticket,
      comments: ticket.comments.map((comment) => {
        const why = redaction.entryReason(`ticket:${ticketId}`, comment.id);
        return why === null ? comment : { ...comment, body: contentDisabledWords(why) };
      }),
    };
    return c.json(body);
  });

  app.get(`${base}/:snapshotId/notices/:noticeId`, async (c) => {
    const { workspace } = await adminRequest(ctx, c);
    const snapshotId = c.req.param('snapshotId');
    const snapshot = await service.get(workspace.id, snapshotId);
    const noticeId = c.req.param('noticeId');
    const reason = (await redactionOf(workspace.id)).docReason(`notice:${noticeId}`);
    if (reason !== null) throw contentDisabledError(reason);
    const notice = await service.notice(workspace.id, snapshotId, noticeId);
    const body: SnapshotNoticeResponse = { snapshot: toSummary(snapshot), ...notice };
    return c.json(body);
  });

  app.post(`${base}/:snapshotId/restore`, async (c) => {
    const request = await adminRequest(ctx, c);
    await requireWritable(ctx, request);
    const parsed = await readBody(c, RestoreRequest);
    const target: RestoreTarget =
      parsed.scope === 'workspace'
        ? { kind: 'workspace' }
        : parsed.scope === 'ticket'
          ? { kind: 'ticket', id: parsed.ticketId }
          : { kind: 'notice', id: parsed.noticeId };
    // Terms §4: a disabled ticket or notice is not written, by a restore either (SPEC MOD-4).
    const disabledReason =
      target.kind === 'workspace'
        ? null
        : (await redactionOf(request.workspace.id)).docReason(`${target.kind}:${target.id}`);
    if (disabledReason !== null) throw contentDisabledError(disabledReason);
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
    const request = await adminRequest(ctx, c);
    await requireWritable(ctx, request);
    const body: UndoRestoreResponse = await service.undo(
      request.workspace.id,
      c.req.param('snapshotId'),
      request.auth.user.id,
    );
    return c.json(body);
  });
}

async function adminRequest(ctx: SnapshotRouteDeps, c: Context): Promise<MemberRequest> {
  const request = await memberRequest(ctx, c);
  // An operator under a support grant may read snapshots (terms §3), never take or restore.
  if (request.support && c.req.method === 'GET') return request;
  if (request.role !== 'owner' && request.role !== 'admin') {
    throw AppError.forbidden('Only the owner and admins can use snapshots.');
  }
  return request;
}

async function requireWritable(ctx: SnapshotRouteDeps, request: MemberRequest): Promise<void> {
  const access = await ctx.control.workspaceAccess.of(request.auth.user.id, request.workspace.id);
  if (!access?.canWrite) {
    throw new AppError(
      ErrorCode.workspaceReadOnly,
      403,
      'This workspace is read-only, so snapshots cannot be taken or restored now.',
    );
  }
}
