import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { loginOperator } from '../testing/workspaceTestSupport.ts';
import { SqliteModerationStore, type ModerationStore } from './ModerationStore.ts';

let t: AuthTestServer;
let store: ModerationStore;
let owner: Awaited<ReturnType<typeof signUp>>;
let operatorId: string;

beforeAll(async () => {
  t = await startAuthTestServer();
  // The SQLite store on the server's file (`control.moderation` wraps it on one process).
  store = new SqliteModerationStore(t.server.ctx.db, t.server.ctx.now);
  owner = await signUp(t);
  operatorId = (await loginOperator(t)).userId;
});
afterAll(() => t.close());

describe('SqliteModerationStore', () => {
  it('keeps one case per item: later reports join it; a notice on the same item keeps it', () => {
    const item = { kind: 'ticket' as const, docId: `${owner.workspaceId}:ticket:a` };
    const first = store.fileReport({
      workspaceId: owner.workspaceId,
      item,
      reportedBy: owner.userId,
      category: 'harm',
      text: 'one',
    });
    expect(first.caseOpened).toBe(true);
    expect(first.report).toMatchObject({ itemKey: `doc:${item.docId}`, text: 'one' });
    const second = store.fileReport({
      workspaceId: owner.workspaceId,
      item,
      reportedBy: owner.userId,
      category: 'service',
      text: 'two',
    });
    expect(second).toMatchObject({ caseOpened: false, report: { caseId: first.report.caseId } });
    const notice = store.openNoticeCase({
      workspaceId: owner.workspaceId,
      item,
      source: 'authority_notice',
      reference: 'REF-9',
      text: '',
      openedBy: operatorId,
    });
    expect(notice).toEqual({ caseId: first.report.caseId, opened: false });
    const opened = store.getCase(first.report.caseId)!;
    expect(opened.reports.map((r) => r.text)).toEqual(['one', 'two']);
    expect(opened.status).toBe('open');
    expect(store.reportsOf(owner.workspaceId).map((r) => r.text)).toContain('two');
  });

  it('a decision changes the case, the decisions and the disabled set together', () => {
    const item = { kind: 'attachment' as const, blobId: 'b'.repeat(64) };
    const { caseId } = store.openNoticeCase({
      workspaceId: owner.workspaceId,
      item,
      source: 'ip_notice',
      reference: 'IP-1',
      text: 'notice text',
      openedBy: operatorId,
    });
    const key = `blob:${'b'.repeat(64)}`;
    // Read (and cached) before: not disabled.
    expect(store.disabledSet(owner.workspaceId).reasonOf(key)).toBeNull();
    const decision = store.decide(caseId, 'disabled', 'Counterfeit', operatorId);
    expect(decision).toMatchObject({ action: 'disabled', itemKey: key, reason: 'Counterfeit' });
    expect(store.disabledSet(owner.workspaceId).reasonOf(key)).toBe('Counterfeit');
    expect(store.disabledItems(owner.workspaceId)).toEqual([
      { itemKey: key, item, reason: 'Counterfeit', disabledAt: t.clock.now },
    ]);
    expect(store.getCase(caseId)).toMatchObject({ status: 'disabled', reason: 'Counterfeit' });
    store.decide(caseId, 'enabled', 'Licence shown', operatorId);
    expect(store.disabledSet(owner.workspaceId).reasonOf(key)).toBeNull();
    expect(store.disabledItems(owner.workspaceId)).toEqual([]);
    expect(store.decisionsOf(owner.workspaceId).map((d) => d.action)).toEqual([
      'enabled',
      'disabled',
    ]);
    const decided = store.getCase(caseId)!;
    expect(decided.decisions.map((d) => [d.action, d.decidedBy.userId])).toEqual([
      ['disabled', operatorId],
      ['enabled', operatorId],
    ]);
    // Open cases are listed first.
    const statuses = store.listCases().map((c) => c.status);
    expect(statuses.indexOf('open')).toBeLessThan(statuses.indexOf('enabled'));
  });
});
