import {
  generationOf,
  indexDocId,
  indexGenerationOf,
  indexHeadDocId,
  keptFromOf,
  nextGenerationOf,
  FIRST_INDEX_GENERATION,
} from '@desk/model';
import { DocErrorCode } from '@desk/protocol';
import type * as Y from 'yjs';
import type { DocHandle, DocSource } from '$lib/offline/DocSource.ts';

/**
 * Which generation of the workspace index this device opens (issue 15 #4, SPEC IDX-GEN):
 * the server rewrites a tombstoned index into a new document and names it in
 * `<ws>:index:head`. The device remembers the newest generation it holds in localStorage
 * and opens that one at start — offline too.
 */
export interface GenerationStorage {
  read(): number | null;
  write(generation: number): void;
}

export function localGenerationStorage(workspaceId: string, userId: string): GenerationStorage {
  const key = `desk:indexGeneration:${workspaceId}:${userId}`;
  return {
    read() {
      try {
        const value = Number(localStorage.getItem(key));
        return Number.isInteger(value) && value >= FIRST_INDEX_GENERATION ? value : null;
      } catch {
        return null; // storage refused: start from the head or generation 1
      }
    },
    write(generation) {
      try {
        localStorage.setItem(key, String(generation));
      } catch {
        // Not remembered: the next start asks the head again (online) or opens generation 1.
      }
    },
  };
}

/**
 * The generation to open at start. Remembered: that one (or the head's, when the server
 * dropped it). Never opened here (a first visit, online: the identity just came from the
 * server): the head's, once synced — a few bytes and one round trip, so a new device never
 * downloads a tombstoned older generation.
 * Opened before generations existed: 1 (the follower moves it on).
 */
export async function startGeneration(
  source: DocSource,
  workspaceId: string,
  storage: GenerationStorage,
  firstVisit: boolean,
): Promise<number> {
  const known = storage.read();
  if (known !== null) return keptOn(source, workspaceId, storage, known);
  if (!firstVisit) return FIRST_INDEX_GENERATION;
  const head = source.open(indexHeadDocId(workspaceId));
  let offStatus = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The connection failing after the identity came, or a server slow to answer, must not
  // keep the desk from opening: generation 1 then (the follower moves on to the newest).
  const givenUp = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEAD_WAIT_MS);
    offStatus = source.subscribe((status) => {
      if (status.kind === 'offline') resolve(false);
    });
  });
  try {
    const synced = await Promise.race([head.whenSynced.then(() => true), givenUp]);
    if (!synced) return FIRST_INDEX_GENERATION;
    const generation = generationOf(head.doc);
    storage.write(generation);
    return generation;
  } catch {
    return FIRST_INDEX_GENERATION; // refused: the index's own refusal will say why
  } finally {
    clearTimeout(timer);
    offStatus();
    head.release();
  }
}

/**
 * The remembered generation, unless the server dropped it (SPEC IDX-GEN-6: the head's
 * `keptFrom` is past it, as this device's copy of the head says — read locally, offline
 * too; the follower keeps that copy synced): then the head's generation, remembered.
 * Opening a dropped one would write it back to the server, which deletes it again.
 */
async function keptOn(
  source: DocSource,
  workspaceId: string,
  storage: GenerationStorage,
  known: number,
): Promise<number> {
  const head = source.open(indexHeadDocId(workspaceId));
  try {
    await head.whenLoaded;
    if (keptFromOf(head.doc) <= known) return known;
    const generation = Math.max(generationOf(head.doc), keptFromOf(head.doc));
    storage.write(generation);
    return generation;
  } catch {
    return known; // the local copy could not be read: the follower moves on once synced
  } finally {
    head.release();
  }
}

/**
 * Whether the server refused an index generation older than the newest this device knows:
 * one it replaced and dropped (SPEC IDX-GEN-6), which ends its subscriptions as deleted
 * documents do (`access_revoked`). Not a loss of access — a removed membership refuses the
 * head and every other document of the workspace too — and the follower has moved on.
 */
export function isDroppedGeneration(docId: string, code: string, newest: number): boolean {
  const generation = indexGenerationOf(docId)?.generation;
  return code === DocErrorCode.accessRevoked && generation !== undefined && generation < newest;
}

/** How long a first visit waits for the head before opening generation 1. @default 5000 ms */
const HEAD_WAIT_MS = 5000;

/**
 * Watches for a newer generation than the one open (the head, or the open index's
 * `meta.next`) and brings it onto the device in the background: opened, synced (so the
 * local store holds it), then remembered, so the next start opens it from the local copy.
 * Until then the lists stay on the open generation: its edits still reach the newer one
 * (the server replays them), so nothing is lost by switching at the next start rather than
 * under the user's hands. A dropped open generation (the head's `keptFrom` past it) takes
 * the same way: the head names a newer one, which is brought on and remembered.
 */
export class IndexGenerationFollower {
  readonly #head: DocHandle;
  #next: DocHandle | null = null;
  #nextGeneration: number;
  #stopped = false;
  readonly #offs: (() => void)[] = [];

  constructor(
    private readonly source: DocSource,
    private readonly workspaceId: string,
    private readonly open: { generation: number; doc: Y.Doc },
    private readonly storage: GenerationStorage,
    private readonly onHeld: (generation: number) => void = () => undefined,
  ) {
    this.#nextGeneration = open.generation;
    this.#head = source.open(indexHeadDocId(workspaceId));
    const check = () => this.#check();
    for (const doc of [this.#head.doc, open.doc]) {
      doc.on('update', check);
      this.#offs.push(() => doc.off('update', check));
    }
    check();
  }

  /** The newest generation this device has seen named. */
  get newest(): number {
    return this.#nextGeneration;
  }

  #check(): void {
    const named = Math.max(
      generationOf(this.#head.doc),
      nextGenerationOf(this.open.doc) ?? FIRST_INDEX_GENERATION,
    );
    if (this.#stopped || named <= this.#nextGeneration) return;
    this.#nextGeneration = named;
    this.#next?.release();
    const handle = this.source.open(indexDocId(this.workspaceId, named));
    this.#next = handle;
    handle.whenSynced.then(
      () => {
        if (this.#stopped || this.#next !== handle) return;
        this.storage.write(named);
        this.onHeld(named);
      },
      () => undefined, // refused: stays on the open generation, whose edits are replayed
    );
  }

  destroy(): void {
    this.#stopped = true;
    for (const off of this.#offs) off();
    this.#head.release();
    this.#next?.release();
  }
}
