import {
  contentDisabledWords,
  ErrorCode,
  itemKeyOf,
  parseItemKey,
  type ModeratedItem,
  type ModerationCase,
  type ModerationCaseSource,
  type ModerationCategory,
  type ModerationReport,
} from '@desk/protocol';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import type { AsyncModerationStore } from './ModerationStore.ts';
import type { ReportedItems } from './ReportedItems.ts';

/** Audit actions of moderation (terms §4), one per step; details hold ids and reasons only. */
export const ModerationAuditAction = {
  reportFiled: 'moderation.report_filed',
  caseOpened: 'moderation.case_opened',
  /** The operator read the reported item (or downloaded the reported file) of a case. */
  itemViewed: 'moderation.item_viewed',
  disabled: 'moderation.item_disabled',
  enabled: 'moderation.item_enabled',
} as const;

/**
 * The stores reporting and deciding read and write, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface ModerationStores {
  readonly transactions: AsyncTransactions;
  readonly moderation: AsyncModerationStore;
  readonly workspaces: AsyncStore<WorkspaceStore>;
  readonly audit: AsyncStore<AuditStore>;
}

export interface ModerationServiceDeps {
  readonly control: ModerationStores;
  readonly reportedItems: ReportedItems;
  readonly access: AccessEvents;
}

/**
 * The rules of reporting and disabling access (terms §4, SPEC MOD-1…): who may report what,
 * the operator's cases and decisions, an audit entry for each step, and the live signal
 * (`moderationChanged`) the sync engine turns into ended subscriptions and `disabledItems`.
 * Nothing here writes a document or a file: a decision changes only the disabled set.
 */
export class ModerationService {
  constructor(private readonly deps: ModerationServiceDeps) {}

  /** A member reports an item of their workspace (checked to exist there). */
  async report(input: {
    workspaceId: string;
    userId: string;
    item: ModeratedItem;
    category: ModerationCategory;
    text: string;
  }): Promise<ModerationReport> {
    await this.#checkItem(input.workspaceId, input.item);
    const { transactions, moderation, audit } = this.deps.control;
    return transactions.write(async () => {
      const { report, caseOpened } = await moderation.fileReport({
        workspaceId: input.workspaceId,
        item: input.item,
        reportedBy: input.userId,
        category: input.category,
        text: input.text,
      });
      const actor = { kind: 'user' as const, userId: input.userId };
      if (caseOpened) {
        await audit.record({
          actor,
          action: ModerationAuditAction.caseOpened,
          target: { kind: 'moderation_case', id: report.caseId },
          workspaceId: input.workspaceId,
          details: { itemKey: report.itemKey, source: 'report' satisfies ModerationCaseSource },
        });
      }
      await audit.record({
        actor,
        action: ModerationAuditAction.reportFiled,
        target: { kind: 'moderation_case', id: report.caseId },
        workspaceId: input.workspaceId,
        details: { reportId: report.id, itemKey: report.itemKey, category: report.category },
      });
      return report;
    });
  }

  /** The operator opens a case from an outside notice against an item of a workspace. */
  async openCase(input: {
    operatorId: string;
    workspace: string;
    item: ModeratedItem;
    source: 'ip_notice' | 'authority_notice';
    reference: string;
    text: string;
  }): Promise<ModerationCase> {
    const { transactions, moderation, workspaces, audit } = this.deps.control;
    const workspace =
      (await workspaces.bySlug(input.workspace)) ?? (await workspaces.byId(input.workspace));
    if (!workspace) throw AppError.notFound('No workspace with this address or id.');
    await this.#checkItem(workspace.id, input.item);
    const caseId = await transactions.write(async () => {
      const { caseId } = await moderation.openNoticeCase({
        workspaceId: workspace.id,
        item: input.item,
        source: input.source,
        reference: input.reference,
        text: input.text,
        openedBy: input.operatorId,
      });
      await audit.record({
        actor: { kind: 'operator', userId: input.operatorId },
        action: ModerationAuditAction.caseOpened,
        target: { kind: 'moderation_case', id: caseId },
        workspaceId: workspace.id,
        details: {
          itemKey: itemKeyOf(input.item),
          source: input.source,
          reference: input.reference,
        },
      });
      return caseId;
    });
    return (await moderation.getCase(caseId))!;
  }

  /** Disables access to the case's item; 409 when it is disabled already. */
  disable(caseId: string, operatorId: string, reason: string): Promise<ModerationCase> {
    return this.#decide(caseId, operatorId, 'disabled', reason);
  }

  /**
   * The operator read a case's reported item (`item`) or its file (`file`). Terms §3: the
   * operator reads customer content only as the terms allow; this read — outside any support
   * grant — is in the workspace's audit log the owner reads, like every read under a grant.
   */
  async recordView(
    found: ModerationCase,
    operatorId: string,
    part: 'item' | 'file',
  ): Promise<void> {
    await this.deps.control.audit.record({
      actor: { kind: 'operator', userId: operatorId },
      action: ModerationAuditAction.itemViewed,
      target: { kind: 'moderation_case', id: found.id },
      workspaceId: found.workspace.id,
      details: { itemKey: found.itemKey, part },
    });
  }

  /** Re-enables access to the case's item; 409 unless it is disabled now. */
  enable(caseId: string, operatorId: string, reason: string): Promise<ModerationCase> {
    return this.#decide(caseId, operatorId, 'enabled', reason);
  }

  async #decide(
    caseId: string,
    operatorId: string,
    action: 'disabled' | 'enabled',
    reason: string,
  ): Promise<ModerationCase> {
    const { transactions, moderation, audit } = this.deps.control;
    const before = await moderation.getCase(caseId);
    if (!before) throw AppError.notFound('No such case.');
    if (action === 'disabled' && before.status === 'disabled') {
      throw new AppError(
        ErrorCode.invalidStateTransition,
        409,
        'Access to this item is already disabled.',
      );
    }
    if (action === 'enabled' && before.status !== 'disabled') {
      throw new AppError(
        ErrorCode.invalidStateTransition,
        409,
        'Access to this item is not disabled.',
      );
    }
    await transactions.write(async () => {
      const decision = await moderation.decide(caseId, action, reason, operatorId);
      await audit.record({
        actor: { kind: 'operator', userId: operatorId },
        action:
          action === 'disabled' ? ModerationAuditAction.disabled : ModerationAuditAction.enabled,
        target: { kind: 'moderation_case', id: caseId },
        workspaceId: before.workspace.id,
        details: { decisionId: decision.id, itemKey: before.itemKey, reason },
      });
    });
    // After the commit: live sockets end the disabled document's subscriptions and every
    // connection of the workspace hears the new list.
    const target = parseItemKey(before.itemKey);
    const disabled = await moderation.disabledSet(before.workspace.id);
    this.deps.access.emit('moderationChanged', {
      workspaceId: before.workspace.id,
      disabledDocIds: action === 'disabled' && target?.scope === 'doc' ? [target.docId] : [],
      reason,
      items: disabled.entries,
    });
    return (await moderation.getCase(caseId))!;
  }

  async #checkItem(workspaceId: string, item: ModeratedItem): Promise<void> {
    if (!(await this.deps.reportedItems.exists(workspaceId, item))) {
      throw AppError.notFound('No such item in this workspace.');
    }
  }
}

/** The 451 every refused read of disabled content answers (blobs, thumbnails, REST views). */
export function contentDisabledError(reason: string): AppError {
  return new AppError(ErrorCode.contentDisabled, 451, contentDisabledWords(reason), { reason });
}
