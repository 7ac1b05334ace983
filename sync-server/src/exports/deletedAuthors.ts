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
 * they are. `isDeleted` is asked once per person.
 */
export function attributeDeletedAuthors(isDeleted: (userId: string) => boolean) {
  const known = new Map<string, boolean>();
  const deleted = (userId: string) => {
    let answer = known.get(userId);
    if (answer === undefined) {
      answer = isDeleted(userId);
      known.set(userId, answer);
    }
    return answer;
  };
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) out[key] = walk(inner);
    for (const [idKey, nameKey] of NAMED_BY) {
      const id = record[idKey];
      if (typeof id === 'string' && typeof record[nameKey] === 'string' && deleted(id)) {
        out[nameKey] = DELETED_USER_NAME;
      }
    }
    return out;
  };
  return <T>(record: T): T => walk(record) as T;
}
