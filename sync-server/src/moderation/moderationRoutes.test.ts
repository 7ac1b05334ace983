import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTENT_DISABLED_WORDS,
  type AuditEntry,
  type DisabledItemList,
  type ModerationCase,
  type ModerationCaseList,
  type ModerationCaseView,
  type WorkspaceReportsResponse,
} from '@desk/protocol';
import {
  signUp,
  startAuthTestServer,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { addMember, loginOperator } from '../testing/workspaceTestSupport.ts';
import {
  decide,
  report,
  seedWorkspace,
  type SeededWorkspace,
} from '../testing/moderationTestSupport.ts';

let t: AuthTestServer;
let operator: { client: TestClient; userId: string };
let owner: Awaited<ReturnType<typeof signUp>>;
let agent: { client: TestClient; userId: string };
let seeded: SeededWorkspace;
let stranger: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  t = await startAuthTestServer();
  operator = await loginOperator(t);
  owner = await signUp(t);
  agent = await addMember(t, owner.client, owner.slug, 'agent-mod@example.com', 'agent');
  seeded = await seedWorkspace(t, owner);
  stranger = await signUp(t);
});
afterAll(() => t.close());

const auditOf = async (): Promise<AuditEntry[]> => {
  const res = await owner.client.get<{ entries: AuditEntry[] }>(
    `/api/workspaces/${owner.slug}/audit`,
  );
  expect(res.status).toBe(200);
  return res.body.entries;
};

describe('MOD-1 MOD-2 reports', () => {
  it('any member reports an item of the workspace with a category of the terms', async () => {
    const res = await report(agent.client, owner.slug, {
      kind: 'comment',
      docId: seeded.ticketDoc,
      itemId: seeded.commentId,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.report).toMatchObject({
      itemKey: `doc:${seeded.ticketDoc}#${seeded.commentId}`,
      category: 'harm',
      reportedBy: { userId: agent.userId },
    });
    // A second report about the same item joins its case.
    const again = await report(
      owner.client,
      owner.slug,
      {
        kind: 'comment',
        docId: seeded.ticketDoc,
        itemId: seeded.commentId,
      },
      'deceptive',
    );
    expect(again.status).toBe(201);
    expect(again.body.report.caseId).toBe(res.body.report.caseId);
  });

  it('refuses an item of another workspace, an unknown item and a category outside the terms', async () => {
    // A member of another workspace names this workspace's ticket through their own slug.
    const foreign = await report(stranger.client, stranger.slug, {
      kind: 'ticket',
      docId: seeded.ticketDoc,
    });
    expect(foreign.status).toBe(404);
    // …or through this workspace's slug: not a member, so no such workspace.
    const probing = await report(stranger.client, owner.slug, {
      kind: 'ticket',
      docId: seeded.ticketDoc,
    });
    expect(probing.status).toBe(404);
    const unknown = await report(agent.client, owner.slug, {
      kind: 'comment',
      docId: seeded.ticketDoc,
      itemId: 'no-such-comment',
    });
    expect(unknown.status).toBe(404);
    const wrongKind = await report(agent.client, owner.slug, {
      kind: 'message',
      docId: seeded.ticketDoc,
      itemId: seeded.commentId,
    });
    expect(wrongKind.status).toBe(404);
    const category = await report(
      agent.client,
      owner.slug,
      { kind: 'ticket', docId: seeded.ticketDoc },
      'boring',
    );
    expect(category.status).toBe(400);
  });

  it('the owner sees the reports about the workspace; a plain member does not', async () => {
    const mine = await owner.client.get<WorkspaceReportsResponse>(
      `/api/workspaces/${owner.slug}/reports`,
    );
    expect(mine.status).toBe(200);
    expect(mine.body.reports.length).toBeGreaterThanOrEqual(2);
    const theirs = await agent.client.get(`/api/workspaces/${owner.slug}/reports`);
    expect(theirs.status).toBe(403);
    const outsider = await stranger.client.get(`/api/workspaces/${owner.slug}/reports`);
    expect(outsider.status).toBe(404);
  });
});

describe('MOD-3 MOD-8 operator cases', () => {
  let ticketCase: ModerationCase;

  it('only operators list, open and decide cases', async () => {
    expect((await owner.client.get('/api/operator/cases')).status).toBe(403);
    expect(
      (await agent.client.post('/api/operator/cases/x/disable', { reason: 'no' })).status,
    ).toBe(403);
    const opened = await operator.client.post<{ case: ModerationCase }>('/api/operator/cases', {
      workspace: owner.slug,
      item: { kind: 'ticket', docId: seeded.ticketDoc },
      source: 'ip_notice',
      reference: 'DMCA-2026-0042',
      text: 'The ticket reproduces a copyrighted manual.',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    ticketCase = opened.body.case;
    expect(ticketCase).toMatchObject({
      source: 'ip_notice',
      reference: 'DMCA-2026-0042',
      status: 'open',
      workspace: { id: owner.workspaceId, slug: owner.slug },
    });
    const list = await operator.client.get<ModerationCaseList>('/api/operator/cases');
    expect(list.body.cases.map((c) => c.id)).toContain(ticketCase.id);
    // By id as well as slug; an item the workspace does not hold is refused.
    const byId = await operator.client.post('/api/operator/cases', {
      workspace: owner.workspaceId,
      item: { kind: 'ticket', docId: `${owner.workspaceId}:ticket:nope` },
      source: 'authority_notice',
      reference: 'AUTH-1',
    });
    expect(byId.status).toBe(404);
  });

  it('the case view holds the case and only the reported item, rendered from the stored doc', async () => {
    const view = await operator.client.get<ModerationCaseView>(
      `/api/operator/cases/${ticketCase.id}`,
    );
    expect(view.status).toBe(200);
    expect(view.body.content).toMatchObject({
      kind: 'ticket',
      title: 'Printer on fire',
      description: expect.stringContaining('The printer in room 4 is smoking.'),
    });
    const json = JSON.stringify(view.body);
    // Nothing else of the workspace: not its other ticket, not the comment, not the notice.
    expect(json).not.toContain('Password reset');
    expect(json).not.toContain('Insulting words here');
    expect(json).not.toContain('Office closed');

    const commentCase = (
      await report(agent.client, owner.slug, {
        kind: 'comment',
        docId: seeded.ticketDoc,
        itemId: seeded.commentId,
      })
    ).body.report.caseId;
    const commentView = await operator.client.get<ModerationCaseView>(
      `/api/operator/cases/${commentCase}`,
    );
    expect(commentView.body.content).toEqual({
      kind: 'comment',
      body: 'Insulting words here',
      author: 'Owner',
      createdAt: expect.any(Number),
    });
    expect(JSON.stringify(commentView.body)).not.toContain('room 4');

    const fileCase = (
      await report(agent.client, owner.slug, { kind: 'attachment', blobId: seeded.blob.sha256 })
    ).body.report.caseId;
    const fileView = await operator.client.get<ModerationCaseView>(
      `/api/operator/cases/${fileCase}`,
    );
    expect(fileView.body.content).toMatchObject({
      kind: 'attachment',
      name: 'notes.txt',
      size: seeded.blob.bytes.length,
      url: `/api/operator/cases/${fileCase}/file`,
    });
    const file = await operator.client.getText(`/api/operator/cases/${fileCase}/file`);
    expect(file.status).toBe(200);
    expect(file.body).toBe(new TextDecoder().decode(seeded.blob.bytes));
    expect((await owner.client.get(`/api/operator/cases/${fileCase}`)).status).toBe(403);

    // Terms §3: each read of customer content outside a support grant is in the workspace's
    // audit log, which the owner reads (the refused read of the owner is not).
    const viewed = (await auditOf())
      .filter((e) => e.action === 'moderation.item_viewed')
      .map((e) => [e.targetId, (e.details as { part: string }).part]);
    expect(viewed).toEqual([
      [fileCase, 'file'],
      [fileCase, 'item'],
      [commentCase, 'item'],
      [ticketCase.id, 'item'],
    ]);
  });

  it('disable and re-enable: the disabled list, the owner’s decisions, the audit log', async () => {
    const disabled = await decide(operator.client, ticketCase.id, 'disable', 'Infringes copyright');
    expect(disabled.status).toBe('disabled');
    const twice = await operator.client.post(`/api/operator/cases/${ticketCase.id}/disable`, {
      reason: 'again',
    });
    expect(twice.status).toBe(409);

    const list = await agent.client.get<DisabledItemList>(`/api/workspaces/${owner.slug}/disabled`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      {
        itemKey: `doc:${seeded.ticketDoc}`,
        item: { kind: 'ticket', docId: seeded.ticketDoc },
        reason: 'Infringes copyright',
        disabledAt: t.clock.now,
      },
    ]);
    expect((await stranger.client.get(`/api/workspaces/${owner.slug}/disabled`)).status).toBe(404);

    const enabled = await decide(
      operator.client,
      ticketCase.id,
      'enable',
      'Counter-notice accepted',
    );
    expect(enabled.status).toBe('enabled');
    expect(enabled.decisions.map((d) => d.action)).toEqual(['disabled', 'enabled']);
    const after = await agent.client.get<DisabledItemList>(
      `/api/workspaces/${owner.slug}/disabled`,
    );
    expect(after.body.items).toEqual([]);
    const notDisabled = await operator.client.post(`/api/operator/cases/${ticketCase.id}/enable`, {
      reason: 'again',
    });
    expect(notDisabled.status).toBe(409);

    const seen = await owner.client.get<WorkspaceReportsResponse>(
      `/api/workspaces/${owner.slug}/reports`,
    );
    expect(seen.body.decisions.map((d) => [d.action, d.reason])).toEqual([
      ['enabled', 'Counter-notice accepted'],
      ['disabled', 'Infringes copyright'],
    ]);

    const actions = (await auditOf()).map((e) => e.action);
    for (const action of [
      'moderation.report_filed',
      'moderation.case_opened',
      'moderation.item_disabled',
      'moderation.item_enabled',
    ]) {
      expect(actions).toContain(action);
    }
    const disabledEntry = (await auditOf()).find((e) => e.action === 'moderation.item_disabled')!;
    expect(disabledEntry).toMatchObject({
      actorKind: 'operator',
      actorUserId: operator.userId,
      details: { itemKey: `doc:${seeded.ticketDoc}`, reason: 'Infringes copyright' },
    });
  });

  it('the words members see are the contract’s', () => {
    expect(CONTENT_DISABLED_WORDS).toBe('Access to this content has been disabled');
  });
});
