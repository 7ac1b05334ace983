import { describe, expect, it } from 'vitest';
import type { AccessPrincipal } from './AccessPrincipal.ts';
import { recheckAccess, type RecheckedConnection } from './recheckAccess.ts';

class Socket implements RecheckedConnection {
  revoked = false;
  readonly reauthorized: string[] = [];
  constructor(
    readonly principal: AccessPrincipal,
    readonly workspaces: readonly string[],
  ) {}
  revoke(): void {
    this.revoked = true;
  }
  workspaceIds(): Iterable<string> {
    return this.workspaces;
  }
  async reauthorize(workspaceId: string): Promise<void> {
    this.reauthorized.push(workspaceId);
  }
}

const session = (sessionId: string): AccessPrincipal => ({
  userId: 'u1',
  sessionId,
  tokenId: null,
});

describe('recheckAccess (access events missed)', () => {
  it('closes sockets whose session is gone and authorizes every workspace of the others again', async () => {
    const gone = new Socket(session('gone'), ['ws1']);
    const kept = new Socket(session('kept'), ['ws1', 'ws2']);
    const result = await recheckAccess([gone, kept], async (p) => p.sessionId === 'kept');
    expect(gone.revoked).toBe(true);
    expect(gone.reauthorized).toEqual([]);
    expect(kept.revoked).toBe(false);
    expect(kept.reauthorized).toEqual(['ws1', 'ws2']);
    expect(result).toEqual({ revoked: 1, reauthorized: 2, unchecked: 0 });
  });

  it('leaves a socket as it is when its principal cannot be checked (the store is away), and reports it', async () => {
    const socket = new Socket(session('s1'), ['ws1']);
    const failures: unknown[] = [];
    const result = await recheckAccess(
      [socket],
      async () => {
        throw new Error('database unavailable');
      },
      (error) => failures.push(error),
    );
    expect(socket.revoked).toBe(false);
    expect(socket.reauthorized).toEqual([]);
    expect(result.unchecked).toBe(1);
    expect(failures).toHaveLength(1);
  });
});
