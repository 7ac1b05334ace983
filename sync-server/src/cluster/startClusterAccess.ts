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
  readonly disabledSets?: { reload(): Promise<readonly MissedModerationChange[]> };
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
 * read again; subscriptions of documents disabled meanwhile end, every socket hears the list). createServer switches it on in cluster mode with
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
      const moderation = (await options.disabledSets?.reload()) ?? [];
      for (const change of moderation) {
        for (const connection of options.engine.openConnections()) {
          connection.moderationChanged(
            change.workspaceId,
            change.disabledDocIds,
            change.reason,
            change.items,
          );
        }
      }
      const result = await recheckAccess(options.engine.openConnections(), stillSignedIn, (err) =>
        log.error({ err }, 'a socket could not be rechecked'),
      );
      log.info(result, 'access rechecked after the access channel was cut');
      options.rechecked?.(result);
    },
    failed: (err) => log.error({ err }, 'access event not relayed'),
  });
  await bus.ready();
  return { bus, close: () => bus.close() };
}
