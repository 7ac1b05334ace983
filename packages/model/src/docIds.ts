/**
 * Names of the documents of one workspace (`<workspaceId>:<kind>[:<id>]`). The workspace
 * id comes first so the server authorizes by prefix alone.
 */
export const DocKind = {
  index: 'index',
  ticket: 'ticket',
  notice: 'notice',
  channel: 'channel',
  user: 'user',
  archive: 'archive',
} as const;

export type DocKind = (typeof DocKind)[keyof typeof DocKind];

export const docIds = {
  index: (workspaceId: string) => `${workspaceId}:index`,
  ticket: (workspaceId: string, ticketId: string) => `${workspaceId}:ticket:${ticketId}`,
  notice: (workspaceId: string, noticeId: string) => `${workspaceId}:notice:${noticeId}`,
  channel: (workspaceId: string, channelId: string) => `${workspaceId}:channel:${channelId}`,
  /** One month of archived tickets (`month` is "YYYY-MM", the month they were closed). */
  archive: (workspaceId: string, month: string) => `${workspaceId}:archive:${month}`,
  /** Private to one member: the sync server only lets `userId` open it. */
  user: (workspaceId: string, userId: string) => `${workspaceId}:user:${userId}`,
};
