import * as Y from 'yjs';
import type { DecodedUpdate } from './updateDependencies.ts';

/** The root map of a channel doc holding its messages (packages/model ChannelDoc). */
const MESSAGES = 'messages';

/**
 * How many new chat messages an update to a channel doc (`<ws>:channel:<id>`) posts: items
 * the doc does not have yet (clock at or past `stateOf(client)`) that create a key of the
 * root `messages` map with a nested map — what `ChannelDoc.post` writes. A new key has no
 * left origin, so Yjs encodes its parent (the root's name); edits, deletions and a repeated
 * post (a no-op in the model) are not counted, and neither is a step 2 that repeats what the
 * server already has (SPEC.md, LIMIT-10).
 */
export function newChannelMessages(
  update: DecodedUpdate,
  stateOf: (client: number) => number,
): number {
  let count = 0;
  for (const struct of update.structs) {
    if (!(struct instanceof Y.Item)) continue;
    // Decoded, not integrated: a root parent is its name (typed as a type or an id).
    const parent = struct.parent as unknown;
    if (parent !== MESSAGES || struct.parentSub === null || struct.origin !== null) {
      continue;
    }
    if (!(struct.content instanceof Y.ContentType)) continue;
    if (struct.id.clock < stateOf(struct.id.client)) continue;
    count++;
  }
  return count;
}

/** Whether a doc id names a channel doc. */
export function isChannelDoc(docId: string, workspaceId: string): boolean {
  return docId.startsWith(`${workspaceId}:channel:`);
}
