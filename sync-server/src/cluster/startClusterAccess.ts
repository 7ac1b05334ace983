import type { AccessEventMap, AccessEvents } from '../access/AccessEvents.ts';
import { principalSignedIn, type SignInStores } from '../access/principalSignedIn.ts';
import {
  recheckAccess,
  type RecheckedConnection,
  type RecheckResult,
} from '../access/recheckAccess.ts';
import type { Logger } from '../log/logger.ts';
import { RedisAccessBus } from './RedisAccessBus.ts';

/** A moderation decision a cut channel kept from this process (`DisabledSets.reload`). */
type MissedModerationChange = AccessEventMap['moderationChanged'][0];

export interface ClusterAccessOptions {
  /** redis://host:port */
  readonly url: string;
  /** Prepended to the channel (`desk:`; tests use one of their own). */
  readonly prefix: string;
  /** This process on the channel. @default a random UUID */
  readonly processId?: string;
  /** The process's access events (`ctx.access`): relayed both ways. */
  readonly access: AccessEvents;
  /** The process's sync engine: its open sockets are what a recheck walks. */
  readonly engine: { openConnections(): Iterable<ModeratedConnection> };
  /**
   * The process's disabled sets (`DisabledSets`), read again after a cut: a decision whose
   * `moderationChanged` was missed then reaches the open sockets as the event would have.
   */
  readonly disabledSets?: {
    reload(): Promise<readonly MissedModerationChange[]>;
    /**
     * The decision counts of the kept sets compared with the store's, the moved ones read
     * again (`DisabledSets.checkVersions`): run every `moderationCheckMs`.
     */
    checkVersions?(): Promise<readonly MissedModerationChange[]>;
  };
  /**
   * How often `disabledSets.checkVersions` runs: a decision whose event was never published
   * (its process died after the commit) reaches this process's sockets within it.
   * @default MODERATION_CHECK_MS
   */
  readonly moderationCheckMs?: number;
  /** Where sessions, tokens and users are read: the cluster's shared control plane. */
  readonly stores: SignInStores;
  readonly now: () => number;
  readonly log: Logger;
  /** Told after each recheck (tests wait on it; the log has it too). */
  readonly rechecked?: (result: RecheckResult) => void;
}

/** An open socket as a recheck sees it, told of missed moderation changes too. */
export interface ModeratedConnection extends RecheckedConnection {
  moderationChanged(
    workspaceId: string,
    disabledDocIds: readonly string[],
    reason: string,
    items: MissedModerationChange['items'],
  ): void;
}

/**
 * Between two checks of the moderation decision counts: how long a decision whose event was
 * lost may go unseen here. One indexed query per check for all the workspaces kept.
 */
export const MODERATION_CHECK_MS = 3_000;

export interface ClusterAccess {
  readonly bus: RedisAccessBus;
  close(): Promise<void>;
}

/**
 * Access changes across the processes of a cluster (issue 19), started once per process:
 * the process's `AccessEvents` relayed over Redis (`RedisAccessBus`), and, whenever its
 * subscription comes back after a cut, every open socket of the engine checked against the
 * store (`recheckAccess` with `principalSignedIn`): a session revoked or a member removed
 * while the bus was cut is applied then, and so is a moderation decision (the disabled sets
 * read again; subscriptions of documents disabled meanwhile end, every socket hears the list).
 * Every few seconds it also compares the moderation decision counts of the disabled sets it
 * keeps with the store's (`moderationCheckMs`), so a decision whose event its process never
 * published reaches the sockets the same way. createServer switches it on in cluster mode with
 * one call, given the control plane's stores (SCALE-OUT.md).
 */
export async function startClusterAccess(options: ClusterAccessOptions): Promise<ClusterAccess> {
  const log = options.log.child({ module: 'cluster-access' });
  const stillSignedIn = principalSignedIn(options.stores, options.now);
  const bus = new RedisAccessBus({
    url: options.url,
    prefix: options.prefix,
    ...(options.processId === undefined ? {} : { processId: options.processId }),
    access: options.access,
    missed: async () => {
      // The disabled sets first: the re-authorizations below then read the new ones.
      tellSockets((await options.disabledSets?.reload()) ?? []);
      const result = await recheckAccess(options.engine.openConnections(), stillSignedIn, (err) =>
        log.error({ err }, 'a socket could not be rechecked'),
      );
      log.info(result, 'access rechecked after the access channel was cut');
      options.rechecked?.(result);
    },
    failed: (err) => log.error({ err }, 'access event not relayed'),
  });
  await bus.ready();
  const checkVersions = options.disabledSets?.checkVersions?.bind(options.disabledSets);
  const check = checkVersions
    ? setInterval(() => {
        void checkVersions().then(tellSockets, (err: unknown) =>
          log.error({ err }, 'moderation versions not checked'),
        );
      }, options.moderationCheckMs ?? MODERATION_CHECK_MS)
    : null;
  // A check alone never keeps the process up.
  check?.unref();
  return {
    bus,
    close: () => {
      if (check) clearInterval(check);
      return bus.close();
    },
  };

  /** Moderation changes this process missed, told to every open socket as the event would. */
  function tellSockets(changes: readonly MissedModerationChange[]): void {
    for (const change of changes) {
      for (const connection of options.engine.openConnections()) {
        connection.moderationChanged(
          change.workspaceId,
          change.disabledDocIds,
          change.reason,
          change.items,
        );
      }
    }
  }
}
