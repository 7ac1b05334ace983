import WebSocket from 'ws';
import { DocAccess, MessageType } from '@desk/protocol';
import { SESSION_COOKIE } from '../../../sync-server/src/identity/sessionCookie.ts';
import { TEST_PUBLIC_URL } from '../../../sync-server/src/testing/authTestServer.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import type { AuthzWorld, Credential } from './authzWorld.ts';
import type { InstalledRoute } from './routeTable.ts';

/** Headers that carry a credential the way its client sends it (cookie + our Origin, or Bearer). */
export function credentialHeaders(credential: Credential): Record<string, string> {
  switch (credential.kind) {
    case 'none':
      return {};
    case 'session':
      return { cookie: `${SESSION_COOKIE}=${credential.token}` };
    case 'token':
      return { authorization: `Bearer ${credential.token}` };
    default: {
      const unreachable: never = credential;
      return unreachable;
    }
  }
}

/**
 * The real id each path parameter stands for in the target workspace. Routes that destroy
 * what they name (a member, a session, a token, an invitation) get a fresh one per cell, so
 * every cell is judged on an object that exists. An unknown parameter throws: a new route
 * shape must say what it names.
 */
export async function fillPath(world: AuthzWorld, route: InstalledRoute): Promise<string> {
  const { target } = world;
  const destroys = route.method === 'DELETE';
  const values: Record<string, () => string | Promise<string>> = {
    slug: () => target.slug,
    snapshotId: () => target.snapshotId,
    exportId: () => world.exportId,
    ticketId: () => target.ticketId,
    noticeId: () => target.noticeId,
    sha256: () => target.blobSha256,
    grantId: () => endedSupportGrant(world),
    // The operator's answer is judged on an id that names no case (404, or 400 for a
    // decision without a reason); the successes are in openApiConformance.test.ts.
    caseId: () => 'no-such-case',
    docId: () => `${target.id}:index`,
    userId: () => (destroys ? world.disposableMember() : target.agentId),
    id: async () => {
      if (route.path.startsWith('/api/auth/sessions/')) {
        return (await world.newSession(target.ownerId)).id;
      }
      if (route.path.startsWith('/api/auth/tokens/')) return world.disposableTokenId();
      if (route.path.includes('/invitations/')) {
        return destroys ? world.disposableInvitationId() : target.invitationId;
      }
      if (route.path.startsWith('/api/operator/users/')) return target.spareUserId;
      if (route.path.startsWith('/api/operator/workspaces/')) return target.id;
      // The operator's answer is judged on an id that names no announcement (404); the
      // success is in openApiConformance.test.ts.
      if (route.path.startsWith('/api/operator/announcements/')) return 'no-such-announcement';
      throw new Error(`no id for ${route.key}`);
    },
  };
  let path = route.path;
  for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
    const value = values[name!];
    if (!value) throw new Error(`no value for :${name} in ${route.key}`);
    path = path.replace(`:${name}`, encodeURIComponent(await value()));
  }
  return path;
}

/**
 * A support grant of the target that has already been revoked: routes that name one are
 * judged on a real grant, and no cell lets the operator in by making it.
 */
async function endedSupportGrant(world: AuthzWorld): Promise<string> {
  const { support } = world.t.server.services;
  const { id: workspaceId, ownerId } = world.target;
  const grant = await support.create({
    workspaceId,
    grantedBy: ownerId,
    reason: 'matrix',
    access: 'read',
    durationMs: 60 * 60 * 1000,
  });
  await support.revoke(workspaceId, grant.id, ownerId);
  return grant.id;
}

/** One cell: the status the route answers this credential (an empty JSON body where one fits). */
export async function restStatus(
  world: AuthzWorld,
  route: InstalledRoute,
  credential: Credential,
): Promise<number> {
  const path = await fillPath(world, route);
  const hasBody = route.method === 'POST' || route.method === 'PATCH' || route.method === 'PUT';
  const response = await fetch(world.t.server.url + path, {
    method: route.method,
    headers: {
      origin: TEST_PUBLIC_URL,
      ...credentialHeaders(credential),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    body: hasBody ? '{}' : null,
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * `/sync`: connect with the credential, subscribe to the target's index. The outcome is
 * `write`/`read` (subscribed with that access), the docError code, or `close <code>`.
 */
export async function syncOutcome(world: AuthzWorld, credential: Credential): Promise<string> {
  const client = await TestSyncClient.connect(world.t.server.url, {
    origin: TEST_PUBLIC_URL,
    ...(credential.kind === 'session' ? { cookie: `${SESSION_COOKIE}=${credential.token}` } : {}),
    ...(credential.kind === 'token' ? { token: credential.token } : {}),
  });
  try {
    const docId = `${world.target.id}:index`;
    if (client.closeInfo) return `close ${client.closeInfo.code}`;
    client.subscribe(docId);
    const answer = await Promise.race([
      client
        .waitFor(
          (m) =>
            (m.type === MessageType.subscribed || m.type === MessageType.docError) &&
            m.docId === docId,
        )
        .catch(() => null),
      client.closed.then(() => null),
    ]);
    if (!answer) return `close ${(await client.closed).code}`;
    if (answer.type === MessageType.docError) return answer.code;
    if (answer.type === MessageType.subscribed) {
      return answer.access === DocAccess.write ? 'write' : 'read';
    }
    return `unexpected ${answer.type}`;
  } finally {
    client.ws.terminate();
  }
}

/**
 * `/yjs/:docId` (stock y-websocket): connect with the credential (cookie + Origin, or
 * `?token=`). `synced` when the server's first sync message arrives, else `close <code>`.
 */
export async function yjsOutcome(world: AuthzWorld, credential: Credential): Promise<string> {
  const url = new URL(`/yjs/${world.target.id}:index`, world.t.server.url.replace(/^http/, 'ws'));
  if (credential.kind === 'token') url.searchParams.set('token', credential.token);
  const ws = new WebSocket(url, {
    origin: TEST_PUBLIC_URL,
    headers:
      credential.kind === 'session' ? { cookie: `${SESSION_COOKIE}=${credential.token}` } : {},
  });
  try {
    return await new Promise<string>((resolve) => {
      ws.on('error', () => {});
      ws.once('message', () => resolve('synced'));
      ws.once('close', (code) => resolve(`close ${code}`));
    });
  } finally {
    ws.terminate();
  }
}
