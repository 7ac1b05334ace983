/**
 * Document ids name their workspace first: `<workspaceId>:<kind>[:<id>]`, e.g.
 * `k3j…:index`, `k3j…:ticket:7f2…`. Authorization needs only the prefix, so a socket can be
 * checked without loading anything.
 */
const segment = '[A-Za-z0-9_-]{1,64}';
const docIdPattern = new RegExp(`^(${segment}):([a-z]{1,32})(?::(${segment}))?$`);

export const MAX_DOC_ID_LENGTH = 200;

export interface ParsedDocId {
  readonly workspaceId: string;
  readonly kind: string;
  readonly id: string | null;
}

export function parseDocId(docId: string): ParsedDocId | null {
  if (docId.length > MAX_DOC_ID_LENGTH) return null;
  const match = docIdPattern.exec(docId);
  if (!match) return null;
  return { workspaceId: match[1]!, kind: match[2]!, id: match[3] ?? null };
}

export function makeDocId(workspaceId: string, kind: string, id?: string): string {
  const docId = id === undefined ? `${workspaceId}:${kind}` : `${workspaceId}:${kind}:${id}`;
  if (!parseDocId(docId)) throw new Error(`Not a valid document id: ${docId}`);
  return docId;
}

/** The kind of per-user documents (saved views, read markers): `<workspaceId>:user:<userId>`. */
export const PRIVATE_DOC_KIND = 'user';

/**
 * Whether a member may open a document of their workspace. Every document is shared with
 * the workspace, except per-user documents, which only their user may open.
 */
export function isDocVisibleTo(parsed: ParsedDocId, userId: string): boolean {
  return parsed.kind !== PRIVATE_DOC_KIND || parsed.id === userId;
}
