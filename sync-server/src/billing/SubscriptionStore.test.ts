import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { AppError } from '../http/AppError.ts';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { createCustomerWithWorkspace } from '../testing/createCustomerWithWorkspace.ts';
import { SqliteSubscriptionStore, subscriptionView } from './SubscriptionStore.ts';
import { DAY_MS } from './SubscriptionState.ts';

const start = Date.UTC(2026, 0, 1);
const actor = { kind: 'operator' as const, userId: null };
let db: SqliteDatabase;
let clock: number;
let subscriptions: SqliteSubscriptionStore;
let remove: () => void;
let workspaceId: string;

beforeEach(() => {
  const temp = makeTempDir();
  remove = temp.remove;
  db = openSqlite(`${temp.dir}/db.sqlite`);
  migrate(db, migrations);
  clock = start;
  const now = () => clock;
  subscriptions = new SqliteSubscriptionStore(db, now, new SqliteAuditStore(db, now));
  db.prepare(
    `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
     VALUES ('u1', 'u1@example.com', 'U', 'x', 0, 0)`,
  ).run();
  ({ workspaceId } = createCustomerWithWorkspace(
    db,
    {
      ownerUserId: 'u1',
      customer: { kind: 'person', name: 'U' },
      workspace: { name: 'W', slug: 'sub-test' },
    },
    start,
  ));
});
afterEach(() => {
  db.close();
  remove();
});

describe('SqliteSubscriptionStore', () => {
  it('records termination with a deletion date 30 days later, and lists it once that date has passed', () => {
    subscriptions.transition(workspaceId, 'terminated', { actor });
    expect(subscriptions.get(workspaceId)).toMatchObject({
      state: 'terminated',
      terminatedAt: start,
      deleteAfter: start + 30 * DAY_MS,
    });
    clock = start + 30 * DAY_MS - 1;
    expect(subscriptions.dueForDeletion()).toEqual([]);
    clock = start + 30 * DAY_MS;
    expect(subscriptions.dueForDeletion()).toEqual([workspaceId]);
  });

  it('forgets the deletion date on reactivation', () => {
    subscriptions.transition(workspaceId, 'terminated', { actor });
    clock = start + DAY_MS;
    subscriptions.transition(workspaceId, 'active', { actor });
    expect(subscriptions.get(workspaceId)).toMatchObject({
      deleteAfter: null,
      terminatedAt: null,
    });
    clock = start + 100 * DAY_MS;
    expect(subscriptions.dueForDeletion()).toEqual([]);
  });

  it('reports an unchanged state as no change, so retried events record nothing', () => {
    expect(subscriptions.transition(workspaceId, 'active', { actor })).toBe(true);
    expect(subscriptions.transition(workspaceId, 'active', { actor })).toBe(false);
    const entries = db.prepare(`SELECT COUNT(*) AS n FROM audit_log`).get() as { n: number };
    expect(entries.n).toBe(1);
  });

  it('uses the custom seat limit over the plan’s, and the plan’s again when cleared', () => {
    subscriptions.setSeatLimitOverride(workspaceId, 12, actor);
    expect(subscriptionView(subscriptions.require(workspaceId), start).seatLimit).toBe(12);
    subscriptions.setSeatLimitOverride(workspaceId, null, actor);
    expect(subscriptionView(subscriptions.require(workspaceId), start).seatLimit).toBe(5);
  });

  it('refuses to move the trial end of a workspace that is no longer in trial', () => {
    subscriptions.transition(workspaceId, 'active', { actor });
    try {
      subscriptions.setTrialEnd(workspaceId, start + DAY_MS, actor);
      expect.unreachable();
    } catch (err) {
      expect(err instanceof AppError && err.code).toBe(ErrorCode.invalidStateTransition);
    }
  });
});
