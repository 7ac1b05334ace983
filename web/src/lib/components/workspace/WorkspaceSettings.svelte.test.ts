import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkspacePayload } from '@desk/protocol';
import { WorkspaceSettings } from './WorkspaceSettings.svelte.ts';

/**
 * The settings page's state (issue 18.3: a REST call of a page never becomes an unhandled
 * rejection). `fetch` is the server as the page sees it: each path answers, fails as an
 * unreachable network does, or waits until the test lets it go.
 */
type Route = { status: number; body: unknown } | 'unreachable' | Promise<never>;

/** Serves `routes`; returns the paths asked for so far. */
function server(routes: Record<string, Route>): string[] {
  const asked: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const path = url.replace(/^\/api\/workspaces\/[^/]+/, '') || '/';
    asked.push(path);
    const route = routes[path];
    if (route === undefined) throw new Error(`no route for ${url}`);
    if (route === 'unreachable') throw new TypeError('Failed to fetch');
    if (route instanceof Promise) {
      // Held until the caller aborts, as a browser's fetch does when its signal fires.
      return new Promise<never>((_, reject) =>
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('The operation was aborted.', 'AbortError')),
        ),
      );
    }
    return new Response(JSON.stringify(route.body), {
      status: route.status,
      headers: { 'content-type': 'application/json' },
    });
  });
  return asked;
}

function workspaceAs(role: 'owner' | 'agent'): WorkspacePayload {
  return { workspace: { slug: 'harbour', name: 'Harbour', role } } as unknown as WorkspacePayload;
}

const ownerRoutes = {
  '/': { status: 200, body: workspaceAs('owner') },
  '/invitations': { status: 200, body: { invitations: [] } },
  '/seats': { status: 200, body: { history: [] } },
};

afterEach(() => vi.unstubAllGlobals());

describe('WorkspaceSettings', () => {
  it("loads the owner's audit log with the workspace", async () => {
    server({ ...ownerRoutes, '/audit': { status: 200, body: { entries: [] } } });
    const settings = new WorkspaceSettings('harbour');
    await settings.load();
    expect(settings.audit).toEqual([]);
    expect(settings.auditError).toBeNull();
    expect(settings.error).toBeNull();
  });

  it('says in words that the audit log could not be loaded, and keeps the rest of the page', async () => {
    server({ ...ownerRoutes, '/audit': 'unreachable' });
    const settings = new WorkspaceSettings('harbour');
    await expect(settings.load()).resolves.toBeUndefined();
    expect(settings.auditError).toBe(
      'The audit log could not be loaded. The server cannot be reached. Check your connection and try again.',
    );
    expect(settings.error).toBeNull();
    expect(settings.payload?.workspace.name).toBe('Harbour');
  });

  it('does not ask for the audit log of a member who is not the owner', async () => {
    const asked = server({ '/': { status: 200, body: workspaceAs('agent') } });
    const settings = new WorkspaceSettings('harbour');
    await settings.load();
    expect(asked).toEqual(['/']);
    expect(settings.audit).toBeNull();
    expect(settings.auditError).toBeNull();
  });

  it('says in words that the settings could not be loaded when the server cannot be reached', async () => {
    server({ '/': 'unreachable' });
    const settings = new WorkspaceSettings('harbour');
    await expect(settings.load()).resolves.toBeUndefined();
    expect(settings.error).toBe(
      'The server cannot be reached. Check your connection and try again.',
    );
  });

  it('drops what a left page was still waiting for, without an error', async () => {
    const asked = server({ ...ownerRoutes, '/audit': new Promise<never>(() => undefined) });
    const settings = new WorkspaceSettings('harbour');
    const loading = settings.load();
    await vi.waitFor(() => expect(asked).toContain('/audit'));
    settings.destroy();
    await expect(loading).resolves.toBeUndefined();
    expect(settings.auditError).toBeNull();
    expect(settings.error).toBeNull();
  });
});
