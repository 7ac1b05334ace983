import { docItemKey } from '@desk/protocol';
import type {
  Authentication,
  Authorization,
  Principal,
  SyncAuth,
  UpgradeCredentials,
} from '../sync/SyncAuth.ts';
import type { ModerationStore } from './ModerationStore.ts';

/**
 * The sync side of disabled content (terms §4, SPEC MOD-3): wraps the auth boundary so every
 * authorization of a workspace carries its disabled set — the engine refuses a disabled
 * ticket or notice at subscribe with `content_disabled` and the operator's reason (on /yjs:
 * close 4452), and sends the workspace's list once per connection. Live subscribers are ended
 * by the `moderationChanged` access event. Both read the store's cached set at the moment
 * they are asked, so a decision holds for every later subscribe on every connection.
 */
export class ModeratedSyncAuth implements SyncAuth {
  constructor(
    private readonly inner: SyncAuth,
    private readonly moderation: Pick<ModerationStore, 'disabledSet'>,
  ) {}

  authenticate(credentials: UpgradeCredentials): Promise<Authentication> {
    return this.inner.authenticate(credentials);
  }

  async authorize(principal: Principal, workspaceId: string): Promise<Authorization> {
    const authorization = await this.inner.authorize(principal, workspaceId);
    if (!authorization.ok) return authorization;
    const { moderation } = this;
    return {
      ...authorization,
      disabledDoc: (docId) => moderation.disabledSet(workspaceId).reasonOf(docItemKey(docId)),
      disabledItems: () => moderation.disabledSet(workspaceId).entries,
    };
  }
}
