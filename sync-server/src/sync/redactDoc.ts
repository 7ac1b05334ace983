import * as Y from 'yjs';
import { CONTENT_DISABLED_MARKER } from '@desk/protocol';

/** Any shared type (a root, a comment's map, a history array). */
type AnyType = Y.AbstractType<Y.YEvent<Y.AbstractType<unknown>>>;

/**
 * Which entries of a document the server serves redacted (terms §4, issue 17): the entries of
 * root map `root` whose key is in `keys`, starts with one of `keyPrefixes`, or (a plain-object
 * entry such as a mention) whose `place.ticketId` is in `placeTickets`. Plain data, so a plan
 * crosses to the off-thread worker as it is.
 */
export interface RedactionRule {
  readonly root: string;
  readonly keys: readonly string[];
  readonly keyPrefixes: readonly string[];
  readonly placeTickets: readonly string[];
  /**
   * Top-level fields of a matching entry served as they are: ids, authors, times and flags
   * the list layout needs. Every other field (body, history, mentions, attachments, a title,
   * tags, an excerpt, and any field a later version adds) is redacted.
   */
  readonly keep: readonly string[];
}

export interface RedactionPlan {
  /** Equal for equal plans: what a redacted copy is cached under. */
  readonly key: string;
  readonly rules: readonly RedactionRule[];
}

/**
 * Where one Yjs item stands against a plan: outside every disabled entry (`none`), the entry
 * itself (`entry`: a root map's value; a Y.Map entry has no content of its own, a plain
 * value keeps only the rule's fields), a kept field of one (`keep`), or content to redact.
 */
type ItemVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'entry'; readonly rule: CompiledRule }
  | { readonly kind: 'keep' }
  | { readonly kind: 'redact' };

/** What holds for the children of a type. */
type TypeVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'fields'; readonly rule: CompiledRule }
  | { readonly kind: 'keep' }
  | { readonly kind: 'redact' };

const NONE = { kind: 'none' } as const;
const KEEP = { kind: 'keep' } as const;
const REDACT = { kind: 'redact' } as const;

interface CompiledRule {
  readonly keys: ReadonlySet<string>;
  readonly keyPrefixes: readonly string[];
  readonly placeTickets: ReadonlySet<string>;
  readonly keep: ReadonlySet<string>;
}

/** A plan as lookups, per root name. */
class CompiledPlan {
  readonly #byRoot = new Map<string, CompiledRule[]>();

  constructor(plan: RedactionPlan) {
    for (const rule of plan.rules) {
      const compiled: CompiledRule = {
        keys: new Set(rule.keys),
        keyPrefixes: rule.keyPrefixes,
        placeTickets: new Set(rule.placeTickets),
        keep: new Set(rule.keep),
      };
      const list = this.#byRoot.get(rule.root);
      if (list) list.push(compiled);
      else this.#byRoot.set(rule.root, [compiled]);
    }
  }

  hasRoot(root: string): boolean {
    return this.#byRoot.has(root);
  }

  /** The rule an entry `key` of root `root` falls under; `value` is read only when needed. */
  match(root: string, key: string | null, value: () => unknown): CompiledRule | null {
    const rules = key === null ? undefined : this.#byRoot.get(root);
    if (!rules || key === null) return null;
    for (const rule of rules) {
      if (rule.keys.has(key)) return rule;
      if (rule.keyPrefixes.some((prefix) => key.startsWith(prefix))) return rule;
      if (rule.placeTickets.size > 0 && rule.placeTickets.has(placeTicketOf(value()) ?? '')) {
        return rule;
      }
    }
    return null;
  }
}

function placeTicketOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const place = (value as { place?: unknown }).place;
  if (typeof place !== 'object' || place === null) return null;
  const ticketId = (place as { ticketId?: unknown }).ticketId;
  return typeof ticketId === 'string' ? ticketId : null;
}

/** The first value an item holds, when it holds plain values (a root map's plain entry). */
function firstValue(item: Y.Item): unknown {
  const content = item.content;
  return content instanceof Y.ContentAny || content instanceof Y.ContentJSON
    ? content.arr[0]
    : undefined;
}

/** A redacted value keeps its shape: strings become the marker, lists empty, objects recurse. */
function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return CONTENT_DISABLED_MARKER;
  if (Array.isArray(value)) return [];
  if (value instanceof Uint8Array) return new Uint8Array(0);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)]));
  }
  return value;
}

function redactTop(value: unknown, keep: ReadonlySet<string>): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return redactValue(value);
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, keep.has(k) ? v : redactValue(v)]),
  );
}

/**
 * Replaces an item's content in place by content of the same length (a Y.Text run by as many
 * invisible separators), so the item's id, length and neighbours — and with them the state
 * vector and every later update built on it — stay as they are. Idempotent.
 */
function redactContent(item: Y.Item, rule: CompiledRule | null): void {
  const content = item.content;
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    content.arr = content.arr.map((value: unknown) =>
      rule ? redactTop(value, rule.keep) : redactValue(value),
    );
  } else if (content instanceof Y.ContentString) {
    content.str = '\u2063'.repeat(content.str.length);
  } else if (content instanceof Y.ContentEmbed) {
    content.embed = redactValue(content.embed) as object;
  } else if (content instanceof Y.ContentBinary) {
    content.content = new Uint8Array(0);
  }
  // ContentType (the entry's own map, a nested type: its children are redacted one by one),
  // ContentDeleted, ContentFormat and ContentDoc hold no text of the entry.
}

/** Verdicts for the items of one document, memoized per parent type. */
class DocVerdicts {
  readonly #roots = new Map<AnyType, string>();
  readonly #types = new Map<AnyType, TypeVerdict>();

  constructor(
    readonly doc: Y.Doc,
    readonly plan: CompiledPlan,
  ) {
    for (const [name, type] of doc.share) this.#roots.set(type, name);
  }

  /** An integrated item of the document. */
  item(item: Y.Item): ItemVerdict {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return NONE;
    return this.inType(parent as AnyType, item.parentSub, () => firstValue(item));
  }

  /** An item placed in `type` under `sub` (a map key, or null in a sequence). */
  inType(type: AnyType, sub: string | null, value: () => unknown): ItemVerdict {
    const root = this.#roots.get(type);
    if (root !== undefined) {
      const rule = this.plan.match(root, sub, value);
      return rule ? { kind: 'entry', rule } : NONE;
    }
    return childVerdict(this.type(type), sub);
  }

  /** What holds for the children of `type`. */
  type(type: AnyType): TypeVerdict {
    let verdict = this.#types.get(type);
    if (verdict) return verdict;
    const holder = type._item;
    verdict = holder ? typeVerdictOf(this.item(holder)) : NONE;
    this.#types.set(type, verdict);
    return verdict;
  }
}

function childVerdict(parent: TypeVerdict, sub: string | null): ItemVerdict {
  switch (parent.kind) {
    case 'none':
      return NONE;
    case 'fields':
      return sub !== null && parent.rule.keep.has(sub) ? KEEP : REDACT;
    case 'keep':
      return KEEP;
    case 'redact':
      return REDACT;
  }
}

function typeVerdictOf(holder: ItemVerdict): TypeVerdict {
  switch (holder.kind) {
    case 'none':
      return NONE;
    case 'entry':
      return { kind: 'fields', rule: holder.rule };
    case 'keep':
      return KEEP;
    case 'redact':
      return REDACT;
  }
}

function redactItem(item: Y.Item, verdict: ItemVerdict): void {
  if (verdict.kind === 'redact') redactContent(item, null);
  else if (verdict.kind === 'entry' && !(item.content instanceof Y.ContentType)) {
    redactContent(item, verdict.rule);
  }
}

/**
 * Redacts, in place, every item of `doc` (a server-side copy, never a room's own doc) that
 * lies in an entry the plan names. With `from` (a state vector the copy was redacted up to),
 * only the structs from there on are visited: items of earlier clocks are redacted already.
 */
export function redactInPlace(
  doc: Y.Doc,
  plan: RedactionPlan,
  from: ReadonlyMap<number, number> | null = null,
  entryItems: EntryItems | null = null,
): void {
  const compiled = new CompiledPlan(plan);
  const verdicts = new DocVerdicts(doc, compiled);
  for (const [client, structs] of doc.store.clients) {
    const clock = from?.get(client) ?? 0;
    if (structs.length === 0) continue;
    const last = structs[structs.length - 1]!;
    if (clock >= last.id.clock + last.length) continue;
    const start = clock === 0 ? 0 : Y.findIndexSS(structs, clock);
    for (let i = start; i < structs.length; i++) {
      const struct = structs[i];
      if (!(struct instanceof Y.Item)) continue;
      const verdict = verdicts.item(struct);
      redactItem(struct, verdict);
      if (verdict.kind !== 'none') entryItems?.push([client, struct.id.clock, struct.length]);
    }
  }
}

/** The clock ranges `[client, clock, length]` of every item in a disabled entry. */
export type EntryItems = [number, number, number][];

/** Whether a root-level item at `root`/`key` is a disabled entry of the plan (by key). */
export function rootKeyMatcher(plan: RedactionPlan): (root: string, key: string | null) => boolean {
  const compiled = new CompiledPlan(plan);
  return (root, key) => compiled.match(root, key, () => undefined) !== null;
}

/** A redacted copy of `source` (its whole state applied to a fresh doc, then redacted). */
export function redactedCopy(source: Y.Doc | Uint8Array, plan: RedactionPlan): Y.Doc {
  const copy = new Y.Doc({ gc: source instanceof Y.Doc ? source.gc : true });
  Y.applyUpdate(copy, source instanceof Y.Doc ? Y.encodeStateAsUpdate(source) : source);
  redactInPlace(copy, plan);
  return copy;
}

/** How an update's items stand against a plan. */
export interface UpdateVerdict {
  /** Some item lands in a disabled entry (a write into it: refused from members). */
  readonly touches: boolean;
  /** Some item carries content of a disabled entry (served redacted, never as it is). */
  readonly carries: boolean;
}

/**
 * Where the items of an update land, against a plan and the document `doc` (the room's own,
 * before or after the update is applied). An item names its parent only when it has no
 * neighbours; otherwise it is where its origin is — in the document, or earlier in the same
 * update. An item whose place cannot be found (its origin is in neither) counts as outside.
 * Deletions are not looked at: removing an entry carries nothing of it.
 */
export function updateVerdict(doc: Y.Doc, update: Uint8Array, plan: RedactionPlan): UpdateVerdict {
  const compiled = new CompiledPlan(plan);
  const verdicts = new DocVerdicts(doc, compiled);
  const { structs } = Y.decodeUpdate(update);
  const local = new Map<number, Y.Item[]>();
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    const list = local.get(struct.id.client);
    if (list) list.push(struct);
    else local.set(struct.id.client, [struct]);
  }
  const inDoc = (id: Y.ID): Y.Item | null => {
    if (id.clock >= Y.getState(doc.store, id.client)) return null;
    const found = Y.getItem(doc.store, id);
    return found instanceof Y.Item ? found : null;
  };
  const inUpdate = (id: Y.ID): Y.Item | null =>
    local
      .get(id.client)
      ?.find((item) => item.id.clock <= id.clock && id.clock < item.id.clock + item.length) ?? null;
  const memo = new Map<Y.Item, ItemVerdict>();
  const verdictOf = (item: Y.Item, depth: number): ItemVerdict => {
    const known = memo.get(item);
    if (known) return known;
    // Applied already (a broadcast after the store): the document knows its place.
    const integrated = inDoc(item.id);
    let verdict: ItemVerdict;
    if (integrated && integrated.parent instanceof Y.AbstractType) {
      verdict = verdicts.item(integrated);
    } else if (depth > 10_000) {
      verdict = NONE;
    } else {
      verdict = placeVerdict(item, depth);
    }
    memo.set(item, verdict);
    return verdict;
  };
  const placeVerdict = (item: Y.Item, depth: number): ItemVerdict => {
    const value = () => firstValue(item);
    const parent = item.parent;
    if (typeof parent === 'string') {
      if (!compiled.hasRoot(parent)) return NONE;
      const type = doc.share.get(parent);
      if (type) return verdicts.inType(type, item.parentSub, value);
      const rule = compiled.match(parent, item.parentSub, value);
      return rule ? { kind: 'entry', rule } : NONE;
    }
    if (parent instanceof Y.ID) {
      const holder = inDoc(parent);
      if (holder) {
        return holder.content instanceof Y.ContentType
          ? verdicts.inType(holder.content.type, item.parentSub, value)
          : NONE;
      }
      const pending = inUpdate(parent);
      return pending
        ? childVerdict(typeVerdictOf(verdictOf(pending, depth + 1)), item.parentSub)
        : NONE;
    }
    // Neighbours: the item sits where its origin (or right origin) sits, under the same key.
    for (const id of [item.origin, item.rightOrigin]) {
      if (!id) continue;
      const neighbour = inDoc(id);
      if (neighbour && neighbour.parent instanceof Y.AbstractType) {
        return verdicts.inType(neighbour.parent as AnyType, neighbour.parentSub, value);
      }
      const pending = inUpdate(id);
      if (pending && pending !== item) {
        // The same place as that item: its verdict, but read with this item's value.
        const same = verdictOf(pending, depth + 1);
        return same;
      }
    }
    return NONE;
  };
  let touches = false;
  let carries = false;
  for (const items of local.values()) {
    for (const item of items) {
      const verdict = verdictOf(item, 0);
      if (verdict.kind === 'none') continue;
      touches = true;
      if (
        verdict.kind === 'redact' ||
        (verdict.kind === 'entry' && !(item.content instanceof Y.ContentType))
      ) {
        carries = true;
      }
    }
  }
  return { touches, carries };
}
