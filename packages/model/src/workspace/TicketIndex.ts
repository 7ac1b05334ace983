import * as Y from 'yjs';
import type { Actor } from '../Actor.ts';
import { ModelError, ModelErrorCode } from '../ModelError.ts';
import {
  validateDueDate,
  validatePriority,
  validateRequester,
  validateStatus,
  validateTags,
  validateTitle,
  validateType,
  validateUserId,
} from '../schema/fields.ts';
import type { TicketSource } from '../query/TicketSource.ts';
import { sameValue, setIfChanged, type AnyMap } from '../schema/read.ts';
import { SwitchableMap } from './SwitchableMap.ts';
import {
  readTicket,
  type TicketField,
  type TicketFields,
  type TicketRecord,
} from './TicketRecord.ts';

/** A field that changed, for the activity history. */
export interface FieldChange {
  readonly field: TicketField | 'deleted' | 'number';
  readonly from: unknown;
  readonly to: unknown;
}

export interface NewTicket {
  id: string;
  title: string;
  /** A reserved number, or null to create it pending (offline with no reserved block). */
  number: number | null;
  status?: TicketFields['status'];
  priority?: TicketFields['priority'];
  type?: TicketFields['type'];
  assigneeId?: string | null;
  requester?: TicketFields['requester'];
  tags?: string[];
  dueDate?: string | null;
}

/**
 * The ticket index: root map `tickets` of the workspace index doc, ticketId → Y.Map of the
 * small fields. The list, board and filters need only this.
 *
 * Concurrent edits of one field resolve by Yjs map semantics: the write with the higher
 * clientID wins among concurrent ones, deterministically on every replica.
 */
export class TicketIndex implements TicketSource {
  readonly #root: SwitchableMap<AnyMap>;
  private numberIds: Map<number, string> | null = null;
  private reindexNumbers: ((ids: Set<string>) => void) | null = null;

  constructor(doc: Y.Doc) {
    this.#root = new SwitchableMap(doc.getMap<AnyMap>('tickets'));
    // Registered first, so the number map is current before any other listener asks.
    this.observe((ids) => this.reindexNumbers?.(ids));
  }

  get map(): Y.Map<AnyMap> {
    return this.#root.map;
  }

  get doc(): Y.Doc {
    return this.#root.map.doc!;
  }

  /**
   * Reads and writes `doc`'s tickets from now on (another generation of the index): every
   * observer is told the ids of both, as changed.
   */
  switchTo(doc: Y.Doc): void {
    this.#root.switchTo(doc.getMap<AnyMap>('tickets'));
  }

  get size(): number {
    return this.map.size;
  }

  get(id: string): TicketRecord | null {
    const entry = this.map.get(id);
    return entry instanceof Y.Map ? readTicket(id, entry) : null;
  }

  all(): TicketRecord[] {
    const out: TicketRecord[] = [];
    this.map.forEach((entry, id) => {
      if (entry instanceof Y.Map) out.push(readTicket(id, entry));
    });
    return out;
  }

  /**
   * The ticket with this number. A ticket page asks on every change of the index, so the
   * answer comes from a number → id map built on the first call and kept current from the
   * changed ids (no pass over every ticket per change).
   */
  byNumber(number: number): TicketRecord | null {
    const id = this.numbers().get(number);
    return id === undefined ? null : this.get(id);
  }

  create(input: NewTicket, actor: Actor, now: number): TicketRecord {
    if (this.map.has(input.id)) {
      // Idempotent: a retried create (same client-made id) returns the existing ticket.
      return this.get(input.id)!;
    }
    const fields = new Y.Map<unknown>();
    const values: Record<string, unknown> = {
      number: input.number,
      title: validateTitle(input.title),
      status: validateStatus(input.status ?? 'new'),
      priority: validatePriority(input.priority ?? 'normal'),
      type: validateType(input.type ?? 'question'),
      assigneeId: validateUserId(input.assigneeId ?? null, 'assigneeId'),
      requester: validateRequester(input.requester ?? null),
      tags: validateTags(input.tags ?? []),
      dueDate: validateDueDate(input.dueDate ?? null),
      createdAt: now,
      updatedAt: now,
      createdBy: actor.id,
    };
    // Fields at their default (no assignee, no tags, no due date, not deleted, no comments)
    // are left out: readers default them, and each costs ~15 bytes a ticket in the index.
    for (const [key, value] of Object.entries(values)) {
      if (key !== 'number' && isDefault(value)) continue;
      fields.set(key, value);
    }
    this.map.set(input.id, fields);
    return readTicket(input.id, fields);
  }

  /** Validates and applies a patch; returns only the fields that really changed. */
  update(id: string, patch: Partial<TicketFields>, now: number): FieldChange[] {
    const entry = this.entry(id);
    const clean = validatePatch(patch);
    const changes: FieldChange[] = [];
    this.doc.transact(() => {
      const current = readTicket(id, entry);
      for (const [field, value] of Object.entries(clean) as [TicketField, unknown][]) {
        const before = current[field];
        if (sameValue(before, value) || (isDefault(before) && isDefault(value))) continue;
        entry.set(field, value);
        changes.push({ field, from: before, to: value });
      }
      if (changes.length) entry.set('updatedAt', now);
    });
    return changes;
  }

  /** Soft delete or restore. Nothing is erased; the trash view lists deleted tickets. */
  setDeleted(id: string, deleted: boolean, now: number): FieldChange[] {
    const entry = this.entry(id);
    if ((entry.get('deleted') === true) === deleted) return [];
    this.doc.transact(() => {
      entry.set('deleted', deleted);
      entry.set('updatedAt', now);
    });
    return [{ field: 'deleted', from: !deleted, to: deleted }];
  }

  /** Gives a pending ticket its real number (from a reserved block). */
  assignNumber(id: string, number: number): FieldChange[] {
    const entry = this.entry(id);
    const before = entry.get('number') ?? null;
    if (before !== null) return [];
    entry.set('number', number);
    return [{ field: 'number', from: null, to: number }];
  }

  /** Tickets created without a number, oldest first. */
  pendingNumbers(createdBy?: string): TicketRecord[] {
    return this.all()
      .filter((t) => t.number === null && (createdBy === undefined || t.createdBy === createdBy))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Called by whoever edits the ticket doc: the comment count shown in the list. The text
   * itself stays in the ticket doc (search indexes it on the device and on the server), so
   * the index does not grow with descriptions and threads.
   */
  setCommentCount(id: string, commentCount: number): void {
    const entry = this.map.get(id);
    if (entry instanceof Y.Map) setIfChanged(entry, 'commentCount', commentCount);
  }

  /** Takes the ticket out of the hot index (it moved to an archive shard). */
  remove(id: string): void {
    if (this.map.has(id)) this.map.delete(id);
  }

  /** Marks the ticket as touched (a comment was added) without changing a field. */
  touch(id: string, now: number): void {
    const entry = this.map.get(id);
    if (entry instanceof Y.Map) entry.set('updatedAt', now);
  }

  /**
   * Calls `listener` with the ids of tickets that were added, removed or changed — never
   * the whole set — so a list can update only those rows. `remote`: the change came from
   * outside (an applied update, not a write of this device); false for a switch to another
   * generation (`switchTo`), which tells every id of both and is nobody's change.
   */
  observe(listener: (changedIds: Set<string>, remote: boolean) => void): () => void {
    const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
      const ids = new Set<string>();
      for (const event of events) {
        if (event.target === this.map) {
          for (const key of event.changes.keys.keys()) ids.add(key);
        } else {
          const first = event.path[0];
          if (typeof first === 'string') ids.add(first);
        }
      }
      if (ids.size) listener(ids, events[0] ? !events[0].transaction.local : false);
    };
    return this.#root.observeDeep(handler, (ids) => {
      if (ids.size) listener(ids, false);
    });
  }

  private numbers(): Map<number, string> {
    if (this.numberIds) return this.numberIds;
    const byNumber = new Map<number, string>();
    const byId = new Map<string, number>();
    const index = (id: string) => {
      const old = byId.get(id);
      if (old !== undefined && byNumber.get(old) === id) byNumber.delete(old);
      byId.delete(id);
      const entry = this.map.get(id);
      const number = entry instanceof Y.Map ? entry.get('number') : undefined;
      if (typeof number !== 'number') return;
      byId.set(id, number);
      // Two tickets with one number should not happen; the lower id wins, as on every device.
      const holder = byNumber.get(number);
      if (holder === undefined || id < holder) byNumber.set(number, id);
    };
    for (const id of this.map.keys()) index(id);
    this.reindexNumbers = (ids) => {
      for (const id of ids) index(id);
    };
    this.numberIds = byNumber;
    return byNumber;
  }

  private entry(id: string): AnyMap {
    const entry = this.map.get(id);
    if (!(entry instanceof Y.Map)) {
      throw new ModelError(ModelErrorCode.notFound, 'This ticket does not exist (any more).');
    }
    return entry;
  }
}

export function validatePatch(patch: Partial<TicketFields>): Partial<TicketFields> {
  const out: Partial<TicketFields> = {};
  if (patch.title !== undefined) out.title = validateTitle(patch.title);
  if (patch.status !== undefined) out.status = validateStatus(patch.status);
  if (patch.priority !== undefined) out.priority = validatePriority(patch.priority);
  if (patch.type !== undefined) out.type = validateType(patch.type);
  if (patch.assigneeId !== undefined) {
    out.assigneeId = validateUserId(patch.assigneeId, 'assigneeId');
  }
  if (patch.requester !== undefined) out.requester = validateRequester(patch.requester);
  if (patch.tags !== undefined) out.tags = validateTags(patch.tags);
  if (patch.dueDate !== undefined) out.dueDate = validateDueDate(patch.dueDate);
  return out;
}

/** A value a reader of an absent field gets anyway (null, false, 0, an empty list). */
function isDefault(value: unknown): boolean {
  return (
    value === null || value === false || value === 0 || (Array.isArray(value) && value.length === 0)
  );
}
