import { docItemKey } from '@desk/protocol';
import type {
  Authentication,
  Authorization,
  Principal,
  SyncAuth,
  UpgradeCredentials,
} from '../sync/SyncAuth.ts';
import type { RedactionPlan } from '../sync/redactDoc.ts';
import type { DisabledSets } from './DisabledSets.ts';
import type { DisabledSet } from './ModerationStore.ts';
import { redactionPlanOf } from './redactionPlans.ts';

/**
 * The sync side of disabled content (terms §4, SPEC MOD-3): wraps the auth boundary so every
 * authorization of a workspace carries its disabled set — the engine refuses a disabled
 * ticket or notice at subscribe with `content_disabled` and the operator's reason (on /yjs:
 * close 4452), and sends the workspace's list once per connection. Live subscribers are ended
 * by the `moderationChanged` access event. The set is loaded (awaited) at each authorization
 * and asked synchronously afterwards from the process's `DisabledSets`, which that event keeps
 * current, so a decision holds for every later subscribe on every connection. A document that
 * holds disabled entries is served redacted (`redactionPlan`, redactionPlans.ts).
 */
export class ModeratedSyncAuth implements SyncAuth {
  constructor(
    private readonly inner: SyncAuth,
    private readonly disabledSets: DisabledSets,
  ) {}

  authenticate(credentials: UpgradeCredentials): Promise<Authentication> {
    return this.inner.authenticate(credentials);
  }

  async authorize(principal: Principal, workspaceId: string): Promise<Authorization> {
    const authorization = await this.inner.authorize(principal, workspaceId);
    if (!authorization.ok) return authorization;
    const { disabledSets } = this;
    const loaded = await disabledSets.load(workspaceId);
    const now = () => disabledSets.current(workspaceId, loaded);
    return {
      ...authorization,
      disabledDoc: (docId) => now().reasonOf(docItemKey(docId)),
      disabledItems: () => now().entries,
      redactionPlan: (docId) => this.#planOf(now(), docId),
    };
  }

  /** Plans per disabled set (a new set after each decision), per document asked about. */
  readonly #plans = new WeakMap<DisabledSet, Map<string, RedactionPlan | null>>();

  #planOf(set: DisabledSet, docId: string): RedactionPlan | null {
    if (set.entries.length === 0) return null;
    let plans = this.#plans.get(set);
    if (!plans) {
      plans = new Map();
      this.#plans.set(set, plans);
    }
    let plan = plans.get(docId);
    if (plan === undefined) {
      plan = redactionPlanOf(docId, set.entries);
      // Bounded: one entry per document asked about since the workspace's last decision.
      if (plans.size > 10_000) plans.clear();
      plans.set(docId, plan);
    }
    return plan;
  }
}
