import { describe, expect, it } from 'vitest';
import type { AsyncModerationStore } from '../moderation/ModerationStore.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';

/** What every ModerationStore does, on SQLite (wrapped or on the seam) and on PostgreSQL. */
export function describeModerationStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncModerationStore>>,
): void {
  describe(`ModerationStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const moderation = fixture.store;
      const sql = fixture.db.sql;
      const ownerId = await seedUser(sql, { name: 'Ana' });
      const operatorId = await seedUser(sql, { name: 'Olga', operator: true });
      const workspaceId = await seedWorkspace(sql, { ownerId, slug: 'acme' });
      const ticket = (id: string) => ({
        kind: 'ticket' as const,
        docId: `${workspaceId}:ticket:${id}`,
      });
      const report = (item: ReturnType<typeof ticket>, text: string) =>
        moderation.fileReport({
          workspaceId,
          item,
          reportedBy: ownerId,
          category: 'harm',
          text,
        });
      const tick = () => (fixture.clock.now += 1);
      return { ...fixture, moderation, ownerId, operatorId, workspaceId, ticket, report, tick };
    };

    it('keeps one case per item: later reports join it, a notice on the item keeps it', async () => {
      const { moderation, report, ticket, tick, ownerId, operatorId, workspaceId, clock } =
        await setup();
      const item = ticket('a');
      const first = await report(item, 'one');
      expect(first).toEqual({
        caseOpened: true,
        report: {
          id: first.report.id,
          caseId: first.report.caseId,
          workspaceId,
          item,
          itemKey: `doc:${item.docId}`,
          category: 'harm',
          text: 'one',
          reportedBy: { userId: ownerId, displayName: 'Ana' },
          createdAt: clock.now,
        },
      });
      tick();
      const second = await report(item, 'two');
      expect(second).toMatchObject({ caseOpened: false, report: { caseId: first.report.caseId } });
      const notice = await moderation.openNoticeCase({
        workspaceId,
        item,
        source: 'authority_notice',
        reference: 'REF-9',
        text: '',
        openedBy: operatorId,
      });
      expect(notice).toEqual({ caseId: first.report.caseId, opened: false });
      const theCase = await moderation.getCase(first.report.caseId);
      expect(theCase).toMatchObject({
        workspace: { id: workspaceId, slug: 'acme', name: 'ACME' },
        item,
        source: 'report',
        status: 'open',
        reason: null,
      });
      expect(theCase?.reports.map((r) => r.text)).toEqual(['one', 'two']);
      expect((await moderation.reportsOf(workspaceId)).map((r) => r.text)).toEqual(['two', 'one']);
      expect(await moderation.getCase('nope')).toBeNull();
    });

    it('opens a case from an outside notice with its reference and text', async () => {
      const { moderation, operatorId, workspaceId } = await setup();
      const item = { kind: 'attachment' as const, blobId: 'b'.repeat(64) };
      const { caseId, opened } = await moderation.openNoticeCase({
        workspaceId,
        item,
        source: 'ip_notice',
        reference: 'IP-1',
        text: 'notice text',
        openedBy: operatorId,
      });
      expect(opened).toBe(true);
      expect(await moderation.getCase(caseId)).toMatchObject({
        itemKey: `blob:${'b'.repeat(64)}`,
        source: 'ip_notice',
        reference: 'IP-1',
        text: 'notice text',
        reports: [],
        decisions: [],
      });
    });

    it('changes the case, the decisions and the disabled set together with a decision', async () => {
      const { moderation, report, ticket, tick, operatorId, workspaceId, clock } = await setup();
      const item = ticket('a');
      const key = `doc:${item.docId}`;
      const { caseId } = (await report(item, 'bad')).report;
      expect((await moderation.disabledSet(workspaceId)).reasonOf(key)).toBeNull();

      tick();
      const disabled = await moderation.decide(caseId, 'disabled', 'Harmful', operatorId);
      expect(disabled).toEqual({
        id: disabled.id,
        caseId,
        workspaceId,
        item,
        itemKey: key,
        action: 'disabled',
        reason: 'Harmful',
        decidedAt: clock.now,
      });
      const set = await moderation.disabledSet(workspaceId);
      expect(set.reasonOf(key)).toBe('Harmful');
      expect(set.entries).toEqual([{ itemKey: key, reason: 'Harmful' }]);
      expect(await moderation.disabledItems(workspaceId)).toEqual([
        { itemKey: key, item, reason: 'Harmful', disabledAt: clock.now },
      ]);
      expect(await moderation.getCase(caseId)).toMatchObject({
        status: 'disabled',
        reason: 'Harmful',
      });

      tick();
      await moderation.decide(caseId, 'enabled', 'Context given', operatorId);
      expect((await moderation.disabledSet(workspaceId)).reasonOf(key)).toBeNull();
      expect(await moderation.disabledItems(workspaceId)).toEqual([]);
      expect((await moderation.decisionsOf(workspaceId)).map((d) => d.action)).toEqual([
        'enabled',
        'disabled',
      ]);
      const decided = await moderation.getCase(caseId);
      expect(decided?.decisions.map((d) => [d.action, d.decidedBy])).toEqual([
        ['disabled', { userId: operatorId, displayName: 'Olga' }],
        ['enabled', { userId: operatorId, displayName: 'Olga' }],
      ]);
      await expect(moderation.decide('nope', 'disabled', 'x', operatorId)).rejects.toThrow();
    });

    it('counts each workspace’s decisions in their transaction; one without a decision is left out', async () => {
      const { moderation, report, ticket, operatorId, ownerId, workspaceId, db } = await setup();
      const quiet = await seedWorkspace(db.sql, { ownerId, slug: 'quiet' });
      expect(await moderation.moderationVersions([workspaceId, quiet])).toEqual(new Map());
      const { caseId } = (await report(ticket('a'), 'bad')).report;
      expect(await moderation.moderationVersions([workspaceId])).toEqual(new Map());

      await moderation.decide(caseId, 'disabled', 'Harmful', operatorId);
      expect(await moderation.moderationVersions([workspaceId, quiet])).toEqual(
        new Map([[workspaceId, 1]]),
      );
      await moderation.decide(caseId, 'enabled', 'Context given', operatorId);
      expect(await moderation.moderationVersions([workspaceId])).toEqual(
        new Map([[workspaceId, 2]]),
      );
      // A decision that fails (no such case) changes no count.
      await expect(moderation.decide('nope', 'disabled', 'x', operatorId)).rejects.toThrow();
      expect(await moderation.moderationVersions([quiet, workspaceId])).toEqual(
        new Map([[workspaceId, 2]]),
      );
      expect(await moderation.moderationVersions([])).toEqual(new Map());
    });

    it('lists open cases first, newest first within each, up to a limit', async () => {
      const { moderation, report, ticket, tick, operatorId } = await setup();
      const a = (await report(ticket('a'), 'a')).report.caseId;
      tick();
      const b = (await report(ticket('b'), 'b')).report.caseId;
      tick();
      const c = (await report(ticket('c'), 'c')).report.caseId;
      await moderation.decide(c, 'enabled', 'Fine', operatorId);
      expect((await moderation.listCases()).map((x) => x.id)).toEqual([b, a, c]);
      expect((await moderation.listCases(2)).map((x) => x.id)).toEqual([b, a]);
    });

    it('opens one case when two processes file the first reports about an item at once', async () => {
      const { moderation, ticket, ownerId, workspaceId, another } = await setup();
      const other = await another();
      const item = ticket('a');
      const filed = await Promise.all(
        [moderation, other, moderation, other].map((store, i) =>
          store.fileReport({
            workspaceId,
            item,
            reportedBy: ownerId,
            category: 'harm',
            text: `r${i}`,
          }),
        ),
      );
      expect(filed.filter((f) => f.caseOpened)).toHaveLength(1);
      expect(new Set(filed.map((f) => f.report.caseId)).size).toBe(1);
      const theCase = await moderation.getCase(filed[0]!.report.caseId);
      expect(theCase?.reports.map((r) => r.text).sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
    });
  });
}
