import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { AccessEventMap, AccessEvents } from '../access/AccessEvents.ts';

/** Every access event a process relays: all of `AccessEventMap`. */
export const relayedAccessEvents = [
  'sessionsRevoked',
  'tokensRevoked',
  'membershipChanged',
  'userSuspended',
  'workspaceStateChanged',
  'termsRequired',
  'moderationChanged',
] as const satisfies readonly (keyof AccessEventMap)[];
export type RelayedAccessEvent = (typeof relayedAccessEvents)[number];

/** One message on the channel: which process raised which event. */
interface AccessMessage {
  readonly origin: string;
  readonly event: RelayedAccessEvent;
  readonly payload: AccessEventMap[RelayedAccessEvent][0];
}

export interface RedisAccessBusOptions {
  /** redis://host:port */
  readonly url: string;
  /** Prepended to the channel (`desk:`; tests use one of their own). */
  readonly prefix: string;
  /** This process, written on each message so it skips its own. @default a random UUID */
  readonly processId?: string;
  /** The process's access events: local ones are published, remote ones emitted on it. */
  readonly access: AccessEvents;
  /**
   * The subscription was cut and is back: events published meanwhile are lost (pub/sub keeps
   * nothing), so the process must check every open socket's session, token and memberships
   * against the store (`recheckAccess`). Called once per reconnect, not at the first connect.
   */
  readonly missed: () => unknown;
  /** A message that could not be read or applied (logged, then dropped). */
  readonly failed?: (error: unknown) => void;
}

function isAccessMessage(value: unknown): value is AccessMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { origin, event, payload } = value as Record<string, unknown>;
  return (
    typeof origin === 'string' &&
    typeof event === 'string' &&
    (relayedAccessEvents as readonly string[]).includes(event) &&
    typeof payload === 'object' &&
    payload !== null
  );
}

/**
 * Access changes between the processes of a cluster (issue 19): a session revoked, a member
 * removed, a workspace suspended, moderation changed on process A reach the sockets on
 * process B at once. Emitters keep emitting on their process's `AccessEvents`; this relays
 * each local event on one Redis pub/sub channel (`<prefix>access`) and emits the other
 * processes' events locally, where `watchAccess` closes or re-authorizes sockets as it does
 * for local ones.
 *
 * No echo: a message names its origin and a process ignores its own; an event this bus
 * emits for a remote one is not published again (emit is synchronous, so a flag held
 * across it tells the two apart).
 *
 * Pub/sub rather than a stream: an access event is a hint to look again, the store holds
 * the truth (the session row is gone, the membership removed). What a process misses while
 * its subscription is cut it recovers by checking every open socket against the store once
 * the subscription is back (`missed`), which also covers Redis restarting empty.
 */
export class RedisAccessBus {
  readonly processId: string;
  readonly #channel: string;
  readonly #access: AccessEvents;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #missed: () => unknown;
  readonly #failed: (error: unknown) => void;
  readonly #unlisten: (() => void)[] = [];
  /** Set while a remote event is emitted locally: its listeners must not publish it again. */
  #applyingRemote = false;
  /** The subscription was lost since it was last ready: what it missed must be rechecked. */
  #cut = false;
  #closed = false;
  readonly #subscribed: Promise<void>;

  constructor(options: RedisAccessBusOptions) {
    this.processId = options.processId ?? crypto.randomUUID();
    this.#channel = `${options.prefix}access`;
    this.#access = options.access;
    this.#missed = options.missed;
    this.#failed = options.failed ?? (() => undefined);
    // Publishes wait through an outage (offline queue) and are sent when Redis is back.
    this.#publisher = new Redis(options.url, { maxRetriesPerRequest: null });
    this.#publisher.on('error', () => undefined);
    this.#subscriber = new Redis(options.url, { maxRetriesPerRequest: null });
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('close', () => {
      if (!this.#closed) this.#cut = true;
    });
    // ioredis subscribes again on reconnect before 'ready'; only then is it safe to recheck
    // (an event raised after this point arrives as a message).
    this.#subscriber.on('ready', () => {
      if (!this.#cut || this.#closed) return;
      this.#cut = false;
      void this.#recheck();
    });
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.#channel) this.#receive(text);
    });
    this.#subscribed = this.#subscriber.subscribe(this.#channel).then(() => undefined);

    for (const event of relayedAccessEvents) {
      const listener = (payload: AccessEventMap[typeof event][0]) => {
        if (this.#applyingRemote || this.#closed) return;
        const message: AccessMessage = { origin: this.processId, event, payload };
        this.#publisher.publish(this.#channel, JSON.stringify(message)).catch(this.#failed);
      };
      this.#access.on(event, listener as never);
      this.#unlisten.push(() => this.#access.off(event, listener as never));
    }
  }

  /** Resolves once the channel is subscribed: events published after it are received. */
  ready(): Promise<void> {
    return this.#subscribed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    await Promise.all([
      this.#publisher.quit().catch(() => undefined),
      this.#subscriber.quit().catch(() => undefined),
    ]);
    this.#publisher.disconnect();
    this.#subscriber.disconnect();
  }

  #receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (!isAccessMessage(message)) {
      this.#failed(new Error(`Not an access event: ${text.slice(0, 200)}`));
      return;
    }
    if (message.origin === this.processId) return;
    this.#applyingRemote = true;
    try {
      this.#access.emit(message.event, message.payload as never);
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#applyingRemote = false;
    }
  }

  async #recheck(): Promise<void> {
    try {
      await this.#missed();
    } catch (error) {
      this.#failed(error);
    }
  }
}
