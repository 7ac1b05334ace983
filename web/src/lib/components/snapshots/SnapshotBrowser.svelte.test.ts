import { ErrorCode, type SnapshotSummary } from '@desk/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnapshotBrowser } from './SnapshotBrowser.svelte.ts';

/**
 * The snapshots page's state. `fetch` stands for the server: each `METHOD path` (below
 * `/api/workspaces/harbour/snapshots`) answers with the next of its bodies (the last repeats);
 * every request is recorded.
 */
function server(routes: Record<string, { status?: number; body: unknown }[]>): string[] {
  const asked: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const key = `${init.method ?? 'GET'} ${url.replace('/api/workspaces/harbour/snapshots', '') || '/'}`;
    asked.push(key);
    const answers = routes[key];
    if (!answers) throw new Error(`no route for ${key}`);
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return asked;
}

function snapshot(id: string, trigger: SnapshotSummary['trigger'] = 'manual'): SnapshotSummary {
  return {
    id,
    createdAt: 1,
    trigger,
    author: null,
    label: null,
    docCount: 3,
    totalBytes: 100,
    addedBytes: 10,
  } as SnapshotSummary;
}

const noChanges = { tickets: [], notices: [], other: [] };

afterEach(() => vi.unstubAllGlobals());

describe('SnapshotBrowser', () => {
  it('lists the snapshots and puts a new one first', async () => {
    server({
      'GET /': [{ body: { snapshots: [snapshot('s1')] } }],
      'POST /': [{ body: { snapshot: snapshot('s2') } }],
    });
    const page = new SnapshotBrowser('harbour');
    await page.load();
    expect(page.loaded).toBe(true);
    await page.take('Before the clean-up');
    expect(page.snapshots.map((s) => s.id)).toEqual(['s2', 's1']);
    expect(page.busy).toBeNull();
  });

  it('compares a selected snapshot with today once, and reads its contents only on that tab', async () => {
    const asked = server({
      'GET /s1/diff': [{ body: noChanges }],
      'GET /s1': [{ body: { tickets: [], notices: [] } }],
    });
    const page = new SnapshotBrowser('harbour');
    await page.select(snapshot('s1'));
    expect(page.diff).toEqual(noChanges);
    await page.show('contents');
    await page.show('changes');
    await page.show('contents');
    expect(asked).toEqual(['GET /s1/diff', 'GET /s1']);
  });

  it('restores after confirmation, offers the undo, and compares again with the changed today', async () => {
    const asked = server({
      'GET /s1/diff': [{ body: { ...noChanges, other: ['x'] } }, { body: noChanges }],
      'POST /s1/restore': [{ body: { preRestoreSnapshotId: 'pre', changedDocs: 2 } }],
      'GET /': [{ body: { snapshots: [snapshot('pre', 'pre_restore'), snapshot('s1')] } }],
      'POST /pre/undo': [
        {
          body: { restoreOf: { snapshotId: 's1', scope: 'workspace' }, undone: [], leftAlone: [] },
        },
      ],
    });
    const page = new SnapshotBrowser('harbour');
    await page.select(snapshot('s1'));
    page.ask({
      undo: false,
      snapshot: snapshot('s1'),
      request: { scope: 'workspace' },
      what: 'the whole workspace',
    });
    expect(asked).not.toContain('POST /s1/restore');

    await page.confirm();
    expect(page.pending).toBeNull();
    expect(page.lastRestore).toEqual({
      what: 'the whole workspace',
      undoSnapshotId: 'pre',
      changedDocs: 2,
    });
    expect(page.diff).toEqual(noChanges);
    expect(asked.filter((a) => a === 'GET /s1/diff')).toHaveLength(2);

    page.undoLast();
    expect(page.pending).toMatchObject({ undo: true, what: 'the restore of the whole workspace' });
    await page.confirm();
    expect(page.lastRestore).toBeNull();
    expect(page.lastUndo?.report.restoreOf.snapshotId).toBe('s1');
  });

  it('does nothing on a cancelled confirmation', async () => {
    const asked = server({});
    const page = new SnapshotBrowser('harbour');
    page.ask({ undo: false, snapshot: snapshot('s1'), request: { scope: 'workspace' }, what: 'x' });
    page.cancel();
    await page.confirm();
    expect(asked).toEqual([]);
  });

  it("shows the server's words when a call is refused, and is no longer busy", async () => {
    server({
      'GET /': [
        {
          status: 403,
          body: {
            error: { code: ErrorCode.forbidden, message: 'Only owners and admins see snapshots.' },
          },
        },
      ],
    });
    const page = new SnapshotBrowser('harbour');
    await page.load();
    expect(page.error).toBe('Only owners and admins see snapshots.');
    expect(page.loaded).toBe(false);
    expect(page.busy).toBeNull();
  });
});
