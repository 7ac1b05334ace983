import * as Y from 'yjs';

/**
 * Generations of the workspace index (issue 15 #4). A removed row leaves a tombstone in
 * `<ws>:index` that Yjs cannot drop from the shared document, so the server reclaims them
 * by writing a *new* document — generation g+1, the live content of g with fresh structs —
 * and points g at it (`meta.next`). Generation 1 is `<ws>:index`; generation n ≥ 2 is
 * `<ws>:index:g<n>` (the doc id grammar is `<ws>:<kind>[:<id>]`, so it stays of kind
 * `index` for authorization, the projector and every check by kind).
 */
export const FIRST_INDEX_GENERATION = 1;

export function indexDocId(workspaceId: string, generation: number): string {
  return generation <= FIRST_INDEX_GENERATION
    ? `${workspaceId}:index`
    : `${workspaceId}:index:g${generation}`;
}

/**
 * The index's head, `<ws>:index:head`: a few bytes saying which generation is the newest
 * (`meta.generation`, written by the server after each rewrite). A device without a local
 * copy opens it first and then that generation alone — never the large, tombstoned older
 * one. Empty (generation 1) until the first rewrite.
 */
export function indexHeadDocId(workspaceId: string): string {
  return `${workspaceId}:index:head`;
}

/** The change that makes a head say `generation` (the writer's copy of the head is changed). */
export function setHeadGeneration(head: Y.Doc, generation: number): Uint8Array {
  const before = Y.encodeStateVector(head);
  const meta = head.getMap<unknown>('meta');
  if (generationOf(head) < generation) meta.set(GenerationMeta.generation, generation);
  return Y.encodeStateAsUpdate(head, before);
}

/** The generation an index doc id names, or null when it is not an index doc. */
export function indexGenerationOf(
  docId: string,
): { workspaceId: string; generation: number } | null {
  const match = /^([A-Za-z0-9_-]{1,64}):index(?::g([0-9]{1,6}))?$/.exec(docId);
  if (!match) return null;
  if (match[2] === undefined) return { workspaceId: match[1]!, generation: FIRST_INDEX_GENERATION };
  const generation = Number(match[2]);
  // `:g1` is not a name (generation 1 is `<ws>:index`), nor `:g0`, `:g02`.
  if (generation <= FIRST_INDEX_GENERATION || String(generation) !== match[2]) return null;
  return { workspaceId: match[1]!, generation };
}

/** Keys of the index's `meta` map this module owns; none is copied into a new generation. */
export const GenerationMeta = {
  /** In g: the number of the generation that replaced it. */
  next: 'next',
  /**
   * In g: the encoded Yjs snapshot (state vector and delete set) of g up to which its
   * content is in g+1 — written with `next`, moved on by each replay of a late update.
   */
  replayedUpTo: 'replayedUpTo',
  /** In g+1: its own number; in the head: the newest generation's. */
  generation: 'generation',
  /**
   * In g: when the server replaced it (ms since the epoch, the server's clock). g can be
   * dropped once no replica older than the switch can come back (the offline-replica limit,
   * counted from here); a g without it (rewritten before it was recorded) is never dropped.
   */
  replacedAt: 'replacedAt',
  /**
   * In the head: the oldest generation still on the server. The server drops a replaced
   * generation once the offline-replica limit passed since its switch; a device that still
   * remembers one below this opens the head's generation instead.
   */
  keptFrom: 'keptFrom',
} as const;

const OWN_META_KEYS: ReadonlySet<string> = new Set(Object.values(GenerationMeta));

/**
 * The index doc id a head names: the newest generation (`<ws>:index` when the head is
 * empty or missing — no rewrite yet). Readers that need "the index" (snapshots, moderation)
 * take this one, never `<ws>:index` by name.
 */
export function indexDocIdOfHead(workspaceId: string, head: Y.Doc | null): string {
  return indexDocId(workspaceId, head ? generationOf(head) : FIRST_INDEX_GENERATION);
}

/** When the server replaced this generation (`meta.replacedAt`), or null if not recorded. */
export function replacedAtOf(doc: Y.Doc): number | null {
  const at = doc.getMap<unknown>('meta').get(GenerationMeta.replacedAt);
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

/** The oldest generation still on the server, as a head says (1 until one was dropped). */
export function keptFromOf(head: Y.Doc): number {
  const kept = head.getMap<unknown>('meta').get(GenerationMeta.keptFrom);
  return typeof kept === 'number' && Number.isInteger(kept) && kept > FIRST_INDEX_GENERATION
    ? kept
    : FIRST_INDEX_GENERATION;
}

/** The change that makes a head say generations below `generation` were dropped. */
export function setHeadKeptFrom(head: Y.Doc, generation: number): Uint8Array {
  const before = Y.encodeStateVector(head);
  if (keptFromOf(head) < generation) {
    head.getMap<unknown>('meta').set(GenerationMeta.keptFrom, generation);
  }
  return Y.encodeStateAsUpdate(head, before);
}

/** The generation that replaced this index doc, or null while it is the newest. */
export function nextGenerationOf(doc: Y.Doc): number | null {
  const next = doc.getMap<unknown>('meta').get(GenerationMeta.next);
  return typeof next === 'number' && Number.isInteger(next) && next > FIRST_INDEX_GENERATION
    ? next
    : null;
}

/** The generation this index doc is (1 when it says nothing: `<ws>:index`). */
export function generationOf(doc: Y.Doc): number {
  const own = doc.getMap<unknown>('meta').get(GenerationMeta.generation);
  return typeof own === 'number' && Number.isInteger(own) && own > FIRST_INDEX_GENERATION
    ? own
    : FIRST_INDEX_GENERATION;
}

/** Whether a `meta` key belongs to the generation machinery (and so is never carried over). */
export function isGenerationMetaKey(key: string): boolean {
  return OWN_META_KEYS.has(key);
}

/** Where g's content was last carried into g+1 (null when g was never rewritten). */
export function replayedUpToOf(doc: Y.Doc): Y.Snapshot | null {
  const value = doc.getMap<unknown>('meta').get(GenerationMeta.replayedUpTo);
  if (!(value instanceof Uint8Array)) return null;
  try {
    return Y.decodeSnapshot(value);
  } catch {
    return null; // a foreign value: treated as never rewritten, and the server rewrites again
  }
}
