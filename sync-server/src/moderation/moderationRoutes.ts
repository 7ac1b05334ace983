import type { Hono } from 'hono';
import {
  CreateReportRequest,
  ModerationDecisionRequest,
  OpenCaseRequest,
} from '@desk/protocol/rest';
import { serveBlob } from '../blobs/serveBlob.ts';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import { AppError } from '../http/AppError.ts';
import { readBody } from '../http/readBody/index.ts';
import { authOf, requireOperator } from '../identity/middleware.ts';
import type { ServerContext } from '../ServerContext.ts';
import { memberRequest, type MemberRequestDeps } from '../workspaces/memberRequest.ts';
import { canManageMembers } from '../workspaces/roles.ts';
import type { ModerationService, ModerationStores } from './ModerationService.ts';
import type { FileCatalog, ReportedItems } from './ReportedItems.ts';

/** What the moderation routes use (built once in createServices). */
export interface ModerationRouteDeps extends ServerContext, MemberRequestDeps {
  /** Reports, cases and decisions, read through `Services.control` (PostgreSQL may answer). */
  readonly control: Pick<ModerationStores, 'moderation'> & {
    readonly blobCatalog: FileCatalog;
  } & MemberRequestDeps['control'];
  readonly moderationService: ModerationService;
  readonly reportedItems: ReportedItems;
}

/**
 * Reporting and disabling access (terms §4, SPEC MOD): members report items of their
 * workspace; owners and admins read the reports and every decision; every member lists
 * what is disabled; operators list and open cases, see the case with only the reported
 * item, and disable or re-enable it.
 */
export function installModeration(app: Hono, ctx: ModerationRouteDeps, files: BlobStorage): void {
  const reportsPath = '/api/workspaces/:slug/reports';

  app.post(reportsPath, async (c) => {
    const { auth, workspace, support } = await memberRequest(ctx, c);
    // Operators under a support grant are not members: they open cases instead.
    if (support) throw AppError.forbidden('Only members of the workspace can report.');
    const body = await readBody(c, CreateReportRequest);
    const report = await ctx.moderationService.report({
      workspaceId: workspace.id,
      userId: auth.user.id,
      item: body.item,
      category: body.category,
      text: body.text,
    });
    return c.json({ report }, 201);
  });

  app.get(reportsPath, async (c) => {
    const { role, support, workspace } = await memberRequest(ctx, c);
    if (support || !canManageMembers(role)) {
      throw AppError.forbidden('Only the owner and admins can read the reports.');
    }
    const { moderation } = ctx.control;
    return c.json({
      reports: await moderation.reportsOf(workspace.id),
      decisions: await moderation.decisionsOf(workspace.id),
    });
  });

  app.get('/api/workspaces/:slug/disabled', async (c) => {
    const { workspace } = await memberRequest(ctx, c);
    return c.json({ items: await ctx.control.moderation.disabledItems(workspace.id) });
  });

  app.get('/api/operator/cases', requireOperator, async (c) =>
    c.json({ cases: await ctx.control.moderation.listCases() }),
  );

  app.post('/api/operator/cases', requireOperator, async (c) => {
    const body = await readBody(c, OpenCaseRequest);
    const opened = await ctx.moderationService.openCase({
      operatorId: authOf(c).user.id,
      workspace: body.workspace,
      item: body.item,
      source: body.source,
      reference: body.reference,
      text: body.text,
    });
    return c.json({ case: opened }, 201);
  });

  const caseOf = async (caseId: string) => {
    const found = await ctx.control.moderation.getCase(caseId);
    if (!found) throw AppError.notFound('No such case.');
    return found;
  };

  app.get('/api/operator/cases/:caseId', requireOperator, async (c) => {
    const found = await caseOf(c.req.param('caseId'));
    const content = await ctx.reportedItems.content(
      found.workspace.id,
      found.item,
      `/api/operator/cases/${found.id}/file`,
    );
    await ctx.moderationService.recordView(found, authOf(c).user.id, 'item');
    return c.json({ case: found, content });
  });

  // The reported attachment itself, for the operator (served even while disabled).
  app.get('/api/operator/cases/:caseId/file', requireOperator, async (c) => {
    const found = await caseOf(c.req.param('caseId'));
    if (found.item.kind !== 'attachment') throw AppError.notFound('This case is not about a file.');
    const sha256 = found.item.blobId;
    const use = await ctx.control.blobCatalog.use(found.workspace.id, sha256);
    if (!use || !(await files.has(sha256))) throw AppError.notFound('The file is not stored.');
    await ctx.moderationService.recordView(found, authOf(c).user.id, 'file');
    return serveBlob(c.req.raw.headers, {
      tag: sha256,
      size: use.size,
      type: use.type,
      name: use.name,
      download: true,
      open: (range) => files.open(sha256, range),
    });
  });

  app.post('/api/operator/cases/:caseId/disable', requireOperator, async (c) => {
    const { reason } = await readBody(c, ModerationDecisionRequest);
    const decided = await ctx.moderationService.disable(
      c.req.param('caseId'),
      authOf(c).user.id,
      reason,
    );
    return c.json({ case: decided });
  });

  app.post('/api/operator/cases/:caseId/enable', requireOperator, async (c) => {
    const { reason } = await readBody(c, ModerationDecisionRequest);
    const decided = await ctx.moderationService.enable(
      c.req.param('caseId'),
      authOf(c).user.id,
      reason,
    );
    return c.json({ case: decided });
  });
}
