import * as Y from 'yjs';
import type { Actor } from '../Actor.ts';
import { ModelError, ModelErrorCode } from '../ModelError.ts';
import { validateName } from '../schema/fields.ts';
import { readBoolean, readNumber, readString, setIfChanged, type AnyMap } from '../schema/read.ts';
import { SwitchableMap } from './SwitchableMap.ts';

export interface ChannelRecord {
  readonly id: string;
  readonly name: string;
  readonly archived: boolean;
  readonly createdAt: number;
  readonly createdBy: string;
  /** When the last message was posted; compared with the user's read marker for "new". */
  readonly lastMessageAt: number;
}

/** Channel names: lower-case words joined by dashes, like "#support-tier-2". */
export function normalizeChannelName(name: string): string {
  const clean = validateName(name, 'name', 60)
    .toLowerCase()
    .replace(/^#/, '')
    .replace(/[^a-z0-9\u00c0-\u024f]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!clean) throw new ModelError(ModelErrorCode.invalidField, 'Use letters or digits.', 'name');
  return clean;
}

/** Team chat channels: root map `channels` of the index doc; messages live in channel docs. */
export class ChannelIndex {
  readonly #root: SwitchableMap<AnyMap>;

  constructor(doc: Y.Doc) {
    this.#root = new SwitchableMap(doc.getMap<AnyMap>('channels'));
  }

  get map(): Y.Map<AnyMap> {
    return this.#root.map;
  }

  get doc(): Y.Doc {
    return this.#root.map.doc!;
  }

  /** Another generation of the index (`WorkspaceIndex.switchTo`): observers are told. */
  switchTo(doc: Y.Doc): void {
    this.#root.switchTo(doc.getMap<AnyMap>('channels'));
  }

  get(id: string): ChannelRecord | null {
    const entry = this.map.get(id);
    return entry instanceof Y.Map ? readChannel(id, entry) : null;
  }

  /** Open channels first, then by name. */
  list(): ChannelRecord[] {
    const out: ChannelRecord[] = [];
    this.map.forEach((entry, id) => {
      if (entry instanceof Y.Map) out.push(readChannel(id, entry));
    });
    return out.sort(
      (a, b) => Number(a.archived) - Number(b.archived) || a.name.localeCompare(b.name),
    );
  }

  create(id: string, name: string, actor: Actor, now: number): ChannelRecord {
    const clean = normalizeChannelName(name);
    if (this.list().some((c) => c.name === clean && c.id !== id)) {
      throw new ModelError(ModelErrorCode.invalidField, `#${clean} already exists.`, 'name');
    }
    if (!this.map.has(id)) {
      const entry = new Y.Map<unknown>();
      entry.set('name', clean);
      entry.set('archived', false);
      entry.set('createdAt', now);
      entry.set('createdBy', actor.id);
      entry.set('lastMessageAt', 0);
      this.map.set(id, entry);
    }
    return this.get(id)!;
  }

  rename(id: string, name: string): void {
    const clean = normalizeChannelName(name);
    if (this.list().some((c) => c.name === clean && c.id !== id)) {
      throw new ModelError(ModelErrorCode.invalidField, `#${clean} already exists.`, 'name');
    }
    setIfChanged(this.entry(id), 'name', clean);
  }

  setArchived(id: string, archived: boolean): void {
    setIfChanged(this.entry(id), 'archived', archived);
  }

  /** Kept monotonic so a late-arriving older message does not move the marker back. */
  noteMessage(id: string, at: number): void {
    const entry = this.map.get(id);
    if (!(entry instanceof Y.Map)) return;
    if (readNumber(entry, 'lastMessageAt') < at) entry.set('lastMessageAt', at);
  }

  observe(listener: () => void): () => void {
    return this.#root.observeDeep(
      () => listener(),
      () => listener(),
    );
  }

  private entry(id: string): AnyMap {
    const entry = this.map.get(id);
    if (!(entry instanceof Y.Map)) {
      throw new ModelError(ModelErrorCode.notFound, 'This channel does not exist (any more).');
    }
    return entry;
  }
}

function readChannel(id: string, map: AnyMap): ChannelRecord {
  return {
    id,
    name: readString(map, 'name', 'channel'),
    archived: readBoolean(map, 'archived'),
    createdAt: readNumber(map, 'createdAt'),
    createdBy: readString(map, 'createdBy'),
    lastMessageAt: readNumber(map, 'lastMessageAt'),
  };
}
