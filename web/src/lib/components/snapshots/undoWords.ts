import type { UndoEntry, UndoLeftAloneReason } from '@desk/protocol';

/**
 * Words for what an undo put back or left alone (UndoRestoreResponse): which ticket, notice
 * or channel, and which parts of it. Part names come from the server: index fields, `entry`
 * (the whole entry, which the restore added or removed) and roots of the entry's document.
 */
const partNames: Record<string, string> = {
  entry: 'the whole entry',
  description: 'description',
  comments: 'replies and notes',
  attachments: 'attachments',
  activity: 'history',
  body: 'text',
  messages: 'messages',
  assigneeId: 'assignee',
  deleted: 'deleted or not',
  dueDate: 'due date',
};

const wholeEntry: Record<Exclude<UndoEntry['kind'], 'other'>, string> = {
  ticket: 'the whole ticket',
  notice: 'the whole notice',
  channel: 'the whole channel',
};

const otherNames: Record<string, string> = {
  views: 'Shared views',
  mentions: 'Mentions',
};

export function entryLabel(entry: UndoEntry): string {
  switch (entry.kind) {
    case 'ticket': {
      const number = entry.number !== null ? `#${entry.number} ` : '';
      return `Ticket ${number}${entry.title ? `“${entry.title}”` : ''}`.trim();
    }
    case 'notice':
      return entry.title ? `Notice “${entry.title}”` : 'A notice';
    case 'channel':
      return entry.title ? `Channel #${entry.title}` : 'A channel';
    case 'other':
      return otherNames[entry.id] ?? entry.id;
    default: {
      const never: never = entry.kind;
      return String(never);
    }
  }
}

/** The parts, in words; empty for workspace-wide things (their parts are ids). */
export function partsLabel(entry: UndoEntry): string {
  if (entry.kind === 'other') return '';
  const words = entry.parts.map((part) =>
    part === 'entry' && entry.kind !== 'other' ? wholeEntry[entry.kind] : (partNames[part] ?? part),
  );
  return [...new Set(words)].join(', ');
}

/** Why an undo left something alone, in a few words. */
export const leftAloneWhy: Record<UndoLeftAloneReason, string> = {
  changed_since_restore: 'changed by someone after the restore',
  content_disabled: 'access to this content has been disabled',
};
