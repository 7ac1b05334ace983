import type { AuditStore } from '../audit/AuditStore.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { NewSupportGrant, SupportGrant, SupportGrantStore } from './SupportGrantStore.ts';

/**
 * The stores the grants service reads and writes, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface SupportGrantsStores {
  readonly transactions: AsyncTransactions;
  readonly supportGrants: AsyncStore<SupportGrantStore>;
  readonly audit: AsyncStore<AuditStore>;
}

/** What the grants service uses (built once in createServices). */
export interface SupportGrantsDeps extends Pick<ServerContext, 'access' | 'log'> {
  readonly control: SupportGrantsStores;
}

/** Audit actions of support access; the owner reads them in Settings → audit log. */
export const SupportAuditAction = {
  granted: 'support_grant.created',
  revoked: 'support_grant.revoked',
  expired: 'support_grant.expired',
  /** A REST request of an operator under a grant (GET: a read). */
  request: 'support.request',
  /** A document an operator opened over /sync or /yjs under a grant. */
  documentOpened: 'support.document_opened',
} as const;

type AuditActor = Parameters<AuditStore['record']>[0]['actor'];

/**
 * Creating, revoking and expiring support grants (terms §3), each with its audit entry in
 * the same transaction. When a grant ends, live operator connections lose the workspace at
 * once: `membershipChanged` (the event member removal uses) re-authorizes every operator's
 * subscriptions of it, which end with `access_revoked` (/sync) or close the socket (/yjs).
 */
export class SupportGrants {
  constructor(private readonly ctx: SupportGrantsDeps) {}

  async create(input: NewSupportGrant): Promise<SupportGrant> {
    const { transactions, supportGrants, audit } = this.ctx.control;
    const grant = await transactions.write(async () => {
      const created = await supportGrants.create(input);
      await audit.record({
        actor: { kind: 'user', userId: input.grantedBy },
        action: SupportAuditAction.granted,
        target: { kind: 'support_grant', id: created.id },
        workspaceId: input.workspaceId,
        details: { reason: created.reason, access: created.access, expiresAt: created.expiresAt },
      });
      return created;
    });
    this.ctx.log.info(
      { workspaceId: grant.workspaceId, grantId: grant.id, access: grant.access },
      'support access granted',
    );
    return grant;
  }

  /** Ends an active grant; an ended one is answered as it is (nothing changes, no entry). */
  async revoke(
    workspaceId: string,
    grantId: string,
    byUserId: string,
  ): Promise<SupportGrant | null> {
    const { transactions, supportGrants, audit } = this.ctx.control;
    const revoked = await transactions.write(async () => {
      const grant = await supportGrants.revoke(workspaceId, grantId, byUserId);
      if (!grant) return null;
      await audit.record({
        actor: { kind: 'user', userId: byUserId },
        action: SupportAuditAction.revoked,
        target: { kind: 'support_grant', id: grant.id },
        workspaceId,
        details: { reason: grant.reason, access: grant.access },
      });
      return grant;
    });
    if (revoked) await this.#closeOperatorAccess(workspaceId);
    return revoked ?? (await supportGrants.get(workspaceId, grantId));
  }

  /**
   * Notices every grant that ran out since the last call: audits `support_grant.expired`
   * and closes the operators' subscriptions. Requests are refused from the expiry on anyway
   * (access is checked against the clock); this reaches sockets authorized before it.
   * Each expiry is recorded once, also when processes of a cluster check at once.
   */
  async expireDue(): Promise<SupportGrant[]> {
    const { transactions, supportGrants, audit } = this.ctx.control;
    const due = await transactions.write(async () => {
      const noticed: SupportGrant[] = [];
      for (const grant of await supportGrants.dueExpiries()) {
        // Another process noticed it since the read (two checks at once): its entry stands.
        if (!(await supportGrants.markExpiryNoticed(grant.id))) continue;
        noticed.push(grant);
        await audit.record({
          actor: { kind: 'system', userId: null },
          action: SupportAuditAction.expired,
          target: { kind: 'support_grant', id: grant.id },
          workspaceId: grant.workspaceId,
          details: { reason: grant.reason, access: grant.access, expiresAt: grant.expiresAt },
        });
      }
      return noticed;
    });
    for (const workspaceId of new Set(due.map((g) => g.workspaceId))) {
      await this.#closeOperatorAccess(workspaceId);
    }
    return due;
  }

  /** One REST request of an operator under a grant (status: what it was answered). */
  async recordRequest(
    operatorId: string,
    workspaceId: string,
    request: { grantId: string; method: string; path: string; status: number },
  ): Promise<void> {
    await this.ctx.control.audit.record({
      actor: operatorActor(operatorId),
      action: SupportAuditAction.request,
      target: { kind: 'workspace', id: workspaceId },
      workspaceId,
      details: request,
    });
  }

  /**
   * A document an operator opened under a grant, over /sync or /yjs. The engine tells it
   * synchronously as the document goes live and does not wait: the entry is written
   * meanwhile, and a failure to write it is logged (the document is open already).
   */
  recordDocumentOpened(
    operatorId: string,
    workspaceId: string,
    opened: { grantId: string; docId: string; access: 'read' | 'write' },
  ): void {
    this.ctx.control.audit
      .record({
        actor: operatorActor(operatorId),
        action: SupportAuditAction.documentOpened,
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: opened,
      })
      .catch((err: unknown) => {
        this.ctx.log.error({ err, workspaceId, docId: opened.docId }, 'support audit failed');
      });
  }

  async #closeOperatorAccess(workspaceId: string): Promise<void> {
    // Any operator may have used the grant; there are few of them.
    for (const userId of await this.ctx.control.supportGrants.operatorIds()) {
      this.ctx.access.emit('membershipChanged', { workspaceId, userId, role: null });
    }
  }
}

const operatorActor = (userId: string): AuditActor => ({ kind: 'operator', userId });
