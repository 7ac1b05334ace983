import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { AppError } from '../http/AppError.ts';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { createCustomerWithWorkspace } from '../workspaces/createCustomerWithWorkspace.ts';
import { Subscriptions } from './Subscriptions.ts';
import { DAY_MS } from './SubscriptionState.ts';

const start = Date.UTC(2026, 0, 1);
const actor = { kind: 'operator' as const, userId: null };
let db: SqliteDatabase;
let remove: () => void;
let workspaceId: string;

beforeEach(() => {
  const temp = makeTempDir();
  remove = temp.remove;
  db = openSqlite(`${temp.dir}/db.sqlite`);
  migrate(db, migrations);
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

describe('Subscriptions', () => {
  it('records termination with a deletion date 30 days later, and lists it once that date has passed', () => {
    Subscriptions.transition(db, workspaceId, 'terminated', { actor }, start);
    expect(Subscriptions.get(db, workspaceId)).toMatchObject({
      state: 'terminated',
      terminatedAt: start,
      deleteAfter: start + 30 * DAY_MS,
    });
    expect(Subscriptions.dueForDeletion(db, start + 30 * DAY_MS - 1)).toEqual([]);
    expect(Subscriptions.dueForDeletion(db, start + 30 * DAY_MS)).toEqual([workspaceId]);
  });

  it('forgets the deletion date on reactivation', () => {
    Subscriptions.transition(db, workspaceId, 'terminated', { actor }, start);
    Subscriptions.transition(db, workspaceId, 'active', { actor }, start + DAY_MS);
    expect(Subscriptions.get(db, workspaceId)).toMatchObject({
      deleteAfter: null,
      terminatedAt: null,
    });
    expect(Subscriptions.dueForDeletion(db, start + 100 * DAY_MS)).toEqual([]);
  });

  it('reports an unchanged state as no change, so retried events record nothing', () => {
    expect(Subscriptions.transition(db, workspaceId, 'active', { actor }, start)).toBe(true);
    expect(Subscriptions.transition(db, workspaceId, 'active', { actor }, start)).toBe(false);
    const entries = db.prepare(`SELECT COUNT(*) AS n FROM audit_log`).get() as { n: number };
    expect(entries.n).toBe(1);
  });

  it('uses the custom seat limit over the plan’s, and the plan’s again when cleared', () => {
    Subscriptions.setSeatLimitOverride(db, workspaceId, 12, actor, start);
    expect(Subscriptions.view(Subscriptions.require(db, workspaceId), start).seatLimit).toBe(12);
    Subscriptions.setSeatLimitOverride(db, workspaceId, null, actor, start);
    expect(Subscriptions.view(Subscriptions.require(db, workspaceId), start).seatLimit).toBe(5);
  });

  it('refuses to move the trial end of a workspace that is no longer in trial', () => {
    Subscriptions.transition(db, workspaceId, 'active', { actor }, start);
    try {
      Subscriptions.setTrialEnd(db, workspaceId, start + DAY_MS, actor, start);
      expect.unreachable();
    } catch (err) {
      expect(err instanceof AppError && err.code).toBe(ErrorCode.invalidStateTransition);
    }
  });
});
