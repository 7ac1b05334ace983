import * as Y from 'yjs';
import { MessageType, type DocErrorCode } from '@desk/protocol';
import { seededRandom, until, type SeededRandom } from '@desk/protocol/testing';
import { PgDocStore } from '../../../sync-server/src/store/postgres/PgDocStore.ts';
import { PgPool } from '../../../sync-server/src/store/postgres/PgPool.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';

/**
 * The clients of the cluster reliability tests (issue 19): replicas on /sync that write
 * entries into a Y.Array and know which of them a server acknowledged (stored: an ack comes
 * after the append committed), and the stored doc they are compared with.
 */

/** One entry written on one connection, with its place in that connection's sent updates. */
interface Sent {
  readonly entry: string;
  readonly client: TestSyncClient;
  readonly place: number;
}

/**
 * A client's replica of one doc on /sync, writing entries `<name>:<n>` into the Y.Array
 * `a`. The server acknowledges updates in order, with a count: an entry whose update was
 * the k-th sent on a connection is acknowledged (promised durable) once that connection's
 * acks reach k. The replica keeps every entry ever written; a reconnect (to any process)
 * sends what the server lacks.
 */
export class Replica {
  readonly doc = new Y.Doc();
  readonly written: string[] = [];
  client: TestSyncClient | null = null;
  readonly #promised = new Set<string>();
  #unconfirmed: Sent[] = [];

  constructor(
    readonly name: string,
    readonly docId: string,
    readonly token: string,
  ) {}

  get entries(): string[] {
    return this.doc.getArray<string>('a').toArray();
  }

  /** Connects to `url` (dropping the old connection, its acks counted) and syncs. */
  async connect(url: string): Promise<void> {
    this.disconnect();
    const client = await TestSyncClient.connect(url, { token: this.token });
    this.client = client;
    client.subscribe(this.docId, this.doc);
    await client.synced(this.docId);
  }

  disconnect(): void {
    this.#harvest();
    const old = this.client;
    this.client = null;
    this.#unconfirmed = [];
    if (!old) return;
    old.unsubscribe(this.docId);
    old.ws.terminate();
  }

  write(): void {
    const entry = `${this.name}:${this.written.length}`;
    this.doc.getArray<string>('a').push([entry]);
    this.written.push(entry);
    const state = this.client?.docs.get(this.docId);
    if (this.client && state)
      this.#unconfirmed.push({ entry, client: this.client, place: state.sent });
  }

  /** Every entry a server acknowledged so far (on any connection). */
  promised(): ReadonlySet<string> {
    this.#harvest();
    return this.#promised;
  }

  /** Resolves once the server acknowledged everything sent on the current connection. */
  async allAcked(): Promise<void> {
    await this.client!.allAcked(this.docId);
  }

  /**
   * Whether the server refused this doc on this connection with a docError (of `code`, or
   * any): the subscription ended there, as a provider sees it, and it subscribes again.
   */
  refused(code?: DocErrorCode): boolean {
    return (
      this.client?.messages.some(
        (m) =>
          m.type === MessageType.docError &&
          m.docId === this.docId &&
          (code === undefined || m.code === code),
      ) ?? false
    );
  }

  #harvest(): void {
    const acked = this.client?.docs.get(this.docId)?.acked ?? 0;
    this.#unconfirmed = this.#unconfirmed.filter((sent) => {
      if (sent.client !== this.client || sent.place > acked) return true;
      this.#promised.add(sent.entry);
      return false;
    });
  }
}

/**
 * Writes flat out from every replica until `writing()` turns false: one entry, then a
 * random gap of [0, maxGapMs] from a generator of the replica's own (seeded from `random`,
 * so a replay with the same seed writes in the same rhythm).
 */
export async function writeLoad(
  replicas: readonly Replica[],
  random: SeededRandom,
  maxGapMs: number,
  writing: () => boolean,
): Promise<void> {
  await Promise.all(
    replicas.map(async (replica) => {
      const own = seededRandom(random.int(2 ** 31));
      while (writing()) {
        replica.write();
        await sleep(own.int(maxGapMs + 1));
      }
    }),
  );
}

/** The stored doc as any process would load it: the compacted state plus the log. */
export async function storedEntries(databaseUrl: string, docId: string): Promise<string[]> {
  const pool = new PgPool({ url: databaseUrl, max: 1, applicationName: 'test-reader' });
  try {
    const row = await new PgDocStore(pool).load(docId);
    if (!row) return [];
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.mergeUpdates(row.state ? [row.state, ...row.log] : row.log));
    return doc.getArray<string>('a').toArray();
  } finally {
    await pool.end();
  }
}

/**
 * Replicas of `clients` writers over `docs` docs of the owner's workspace
 * (`<ws>:ticket:<docName><i>`), connected to the processes in turn so that every doc has
 * clients on each of them; `home` says where each one connected.
 */
export async function spreadReplicas(
  owner: { readonly workspaceId: string; readonly token: string },
  processes: readonly { readonly url: string }[],
  options: { readonly clients: number; readonly docs: number; readonly docName: string },
  into: Replica[],
): Promise<Map<Replica, { readonly url: string }>> {
  const home = new Map<Replica, { readonly url: string }>();
  for (let i = 0; i < options.clients; i++) {
    const replica = new Replica(
      `c${i}`,
      `${owner.workspaceId}:ticket:${options.docName}${i % options.docs}`,
      owner.token,
    );
    into.push(replica);
    const server = processes[Math.floor(i / options.docs) % processes.length]!;
    home.set(replica, server);
    await replica.connect(server.url);
  }
  return home;
}

/**
 * Of `promised` (entries some server acknowledged), those the store lacks, over the docs of
 * `replicas`. The caller takes `promised` before calling: acks of updates still in flight
 * arrive while the store is read, for rows committed after it was (counted, they read as lost).
 */
export async function missingFromStore(
  databaseUrl: string,
  replicas: readonly Replica[],
  promised: readonly string[],
): Promise<string[]> {
  const stored = new Set<string>();
  for (const docId of new Set(replicas.map((r) => r.docId))) {
    for (const entry of await storedEntries(databaseUrl, docId)) stored.add(entry);
  }
  return promised.filter((entry) => !stored.has(entry));
}

/** Every replica's writes acknowledged, then `converge`. */
export async function ackedAndConverged(
  databaseUrl: string,
  replicas: readonly Replica[],
  what: string,
  deadlineMs: number,
): Promise<Convergence> {
  for (const replica of replicas) await replica.allAcked();
  return converge(databaseUrl, replicas, what, deadlineMs);
}

export interface Convergence {
  /** Entries, over all docs, acknowledged by some server and missing from the store. */
  readonly lostAcknowledged: string[];
  /** Entries anyone wrote that are missing from the store once everything was acked. */
  readonly missing: string[];
}

/**
 * Waits until every replica of every doc equals the stored doc and the store holds every
 * entry written (a deadline, not a speed), then reports what is missing (nothing, or the
 * wait times out naming the seed).
 */
export async function converge(
  databaseUrl: string,
  replicas: readonly Replica[],
  what: string,
  deadlineMs: number,
): Promise<Convergence> {
  // Taken before the store is read (an ack arriving during a read is for a row it may miss).
  const promised = replicas.flatMap((r) => [...r.promised()]);
  const docIds = [...new Set(replicas.map((r) => r.docId))];
  const stored = new Map<string, string[]>();
  await until(
    async () => {
      for (const docId of docIds) stored.set(docId, await storedEntries(databaseUrl, docId));
      return replicas.every((replica) => {
        const reference = stored.get(replica.docId)!;
        return (
          sameArray(replica.entries, reference) &&
          replicas
            .filter((r) => r.docId === replica.docId)
            .every((r) => r.written.every((entry) => has(reference, entry)))
        );
      });
    },
    what,
    deadlineMs,
  );
  const all = new Set([...stored.values()].flat());
  return {
    lostAcknowledged: promised.filter((e) => !all.has(e)),
    missing: replicas.flatMap((r) => r.written.filter((e) => !all.has(e))),
  };
}

const sets = new WeakMap<readonly string[], Set<string>>();
function has(entries: readonly string[], entry: string): boolean {
  let set = sets.get(entries);
  if (!set) sets.set(entries, (set = new Set(entries)));
  return set.has(entry);
}

export function sameArray(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
