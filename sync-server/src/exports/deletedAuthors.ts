import { DELETED_USER_NAME } from '@desk/protocol';

/** The name fields of the archive's records, each beside the id of the person it names. */
const NAMED_BY: ReadonlyArray<readonly [idKey: string, nameKey: string]> = [
  ['authorId', 'authorName'],
  ['actorId', 'actorName'],
  ['createdBy', 'createdByName'],
];

/**
 * What a person whose account was deleted wrote stays in the export, attributed to
 * "Deleted user" as the app shows it (issue 16): the documents keep the name as it was
 * when written, so every `authorName`, `actorName` and `createdByName` of such a person is
 * replaced here, at any depth of the record (comments, their activity, channel messages,
 * notices). The raw Yjs states are the customer's documents as stored and are left as
 * they are. `isDeleted` is asked once per person, and may answer later (the users are on
 * the control plane, PostgreSQL's on a cluster): a record's people are found first, the
 * ones not known yet asked, then the record is rewritten.
 */
export function attributeDeletedAuthors(isDeleted: (userId: string) => Promise<boolean>) {
  const known = new Map<string, Promise<boolean>>();
  const named = (value: unknown, found: Set<string>): void => {
    if (Array.isArray(value)) {
      for (const inner of value) named(inner, found);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const inner of Object.values(record)) named(inner, found);
    for (const [idKey, nameKey] of NAMED_BY) {
      const id = record[idKey];
      if (typeof id === 'string' && typeof record[nameKey] === 'string') found.add(id);
    }
  };
  const walk = (value: unknown, deleted: ReadonlySet<string>): unknown => {
    if (Array.isArray(value)) return value.map((inner) => walk(inner, deleted));
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) out[key] = walk(inner, deleted);
    for (const [idKey, nameKey] of NAMED_BY) {
      const id = record[idKey];
      if (typeof id === 'string' && typeof record[nameKey] === 'string' && deleted.has(id)) {
        out[nameKey] = DELETED_USER_NAME;
      }
    }
    return out;
  };
  return async <T>(record: T): Promise<T> => {
    const found = new Set<string>();
    named(record, found);
    const deleted = new Set<string>();
    for (const id of found) {
      let answer = known.get(id);
      if (answer === undefined) {
        answer = isDeleted(id);
        known.set(id, answer);
      }
      if (await answer) deleted.add(id);
    }
    return walk(record, deleted) as T;
  };
}
