import * as Y from 'yjs';

/** Why an update would not integrate completely into a doc. */
export const DependencyProblem = {
  /** Structs that need structs (of the same or another client) the doc does not have. */
  missingStructs: 'missing_structs',
  /** Deletions of structs the doc does not have. */
  missingDeletions: 'missing_deletions',
  /**
   * An item whose origin or parent is a later clock of its own client: no encoder writes
   * that, and Yjs throws while integrating it (which would break every later load).
   */
  selfReference: 'self_reference',
} as const;
export type DependencyProblem = (typeof DependencyProblem)[keyof typeof DependencyProblem];

export type DependencyCheck =
  | {
      ok: true;
      /** The clock of every client this update advances, once applied. */
      advanced: Map<number, number>;
    }
  | { ok: false; problem: DependencyProblem };

/** What `Y.decodeUpdate` returns. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

interface ClientStructs {
  refs: (Y.Item | Y.GC | Y.Skip)[];
  i: number;
}

/**
 * Whether `update`, applied to a doc whose clock per client is `stateOf(client)`, would be
 * integrated whole: Yjs would leave nothing in `store.pendingStructs` or `store.pendingDs`.
 * Runs Yjs's own integration order (`integrateStructs` and `readAndApplyDeleteSet` in yjs
 * 13.6, `utils/encoding.js` and `utils/DeleteSet.js`) on the decoded structs without
 * touching a doc, so the verdict is Yjs's and nothing has to be undone. Linear in the
 * update: every struct is taken from its client's list once and pushed at most once.
 * Throws if the update does not decode.
 */
export function checkDependencies(
  update: Uint8Array | DecodedUpdate,
  stateOf: (client: number) => number,
): DependencyCheck {
  // Decoded already when the receiver validated it: one decode per update, not two.
  const { structs, ds } = update instanceof Uint8Array ? Y.decodeUpdate(update) : update;
  const byClient = new Map<number, ClientStructs>();
  let previous: number | null = null;
  for (const struct of structs) {
    const client = struct.id.client;
    if (client !== previous) {
      // An encoder writes each client's structs once, as one run; Yjs keeps only the last
      // run of a client written twice, so such an update is not what it looks like.
      if (byClient.has(client)) return { ok: false, problem: DependencyProblem.missingStructs };
      byClient.set(client, { refs: [], i: 0 });
      previous = client;
    }
    byClient.get(client)!.refs.push(struct);
  }

  const state = new Map<number, number>();
  const clockOf = (client: number): number => {
    let clock = state.get(client);
    if (clock === undefined) {
      clock = stateOf(client);
      state.set(client, clock);
    }
    return clock;
  };
  const advanced = new Map<number, number>();

  // Yjs takes the highest client first and, when a struct misses another client's
  // struct, integrates that client's next struct first (a stack). A struct that waits on
  // a client with nothing left to give, or on a gap in its own client, stays pending.
  const clients = [...byClient.keys()].sort((a, b) => a - b);
  const stack: (Y.Item | Y.GC)[] = [];
  let target = nextTarget(byClient, clients);
  let head = target === null ? null : target.refs[target.i++]!;
  while (head !== null) {
    if (!(head instanceof Y.Skip)) {
      const client = head.id.client;
      const offset = clockOf(client) - head.id.clock;
      if (offset < 0) return { ok: false, problem: DependencyProblem.missingStructs };
      if (head instanceof Y.Item && refersAhead(head)) {
        return { ok: false, problem: DependencyProblem.selfReference };
      }
      const missing = head instanceof Y.Item ? missingClient(head, clockOf) : null;
      if (missing !== null) {
        stack.push(head);
        const source = byClient.get(missing);
        if (!source || source.i === source.refs.length) {
          return { ok: false, problem: DependencyProblem.missingStructs };
        }
        head = source.refs[source.i++]!;
        continue;
      }
      if (offset < head.length) {
        const end = head.id.clock + head.length;
        state.set(client, end);
        advanced.set(client, end);
      }
    }
    if (stack.length > 0) {
      head = stack.pop()!;
    } else if (target !== null && target.i < target.refs.length) {
      head = target.refs[target.i++]!;
    } else {
      target = nextTarget(byClient, clients);
      head = target === null ? null : target.refs[target.i++]!;
    }
  }

  for (const [client, deletions] of ds.clients) {
    const clock = clockOf(client);
    for (const deletion of deletions) {
      // Yjs keeps a deletion pending unless it starts below the clock and ends at or below it.
      if (deletion.clock >= clock || deletion.clock + deletion.len > clock) {
        return { ok: false, problem: DependencyProblem.missingDeletions };
      }
    }
  }
  return { ok: true, advanced };
}

/** The next client (highest id first) with structs not yet taken; null when none is left. */
function nextTarget(byClient: Map<number, ClientStructs>, clients: number[]): ClientStructs | null {
  while (clients.length > 0) {
    const candidate = byClient.get(clients[clients.length - 1]!)!;
    if (candidate.i < candidate.refs.length) return candidate;
    clients.pop();
  }
  return null;
}

/** Yjs's `Item.getMissing`, without resolving anything: the client of a missing reference. */
function missingClient(item: Y.Item, clockOf: (client: number) => number): number | null {
  const own = item.id.client;
  const { origin, rightOrigin, parent } = item;
  if (origin && origin.client !== own && origin.clock >= clockOf(origin.client)) {
    return origin.client;
  }
  if (
    rightOrigin &&
    rightOrigin.client !== own &&
    rightOrigin.clock >= clockOf(rightOrigin.client)
  ) {
    return rightOrigin.client;
  }
  if (parent instanceof Y.ID && parent.client !== own && parent.clock >= clockOf(parent.client)) {
    return parent.client;
  }
  return null;
}

/** A reference to its own client at or past its own clock (Yjs assumes it exists). */
function refersAhead(item: Y.Item): boolean {
  const { client, clock } = item.id;
  const { origin, rightOrigin, parent } = item;
  return (
    (origin !== null && origin.client === client && origin.clock >= clock) ||
    (rightOrigin !== null && rightOrigin.client === client && rightOrigin.clock >= clock) ||
    (parent instanceof Y.ID && parent.client === client && parent.clock >= clock)
  );
}
