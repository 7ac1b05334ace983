import { ModelError, ModelErrorCode } from '../ModelError.ts';

export const TicketStatus = {
  new: 'new',
  open: 'open',
  pending: 'pending',
  onHold: 'on_hold',
  solved: 'solved',
  closed: 'closed',
} as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];
/** Board column order and the order the status menus show. */
export const TICKET_STATUSES: readonly TicketStatus[] = Object.values(TicketStatus);
export const STATUS_LABELS: Record<TicketStatus, string> = {
  new: 'New',
  open: 'Open',
  pending: 'Pending',
  on_hold: 'On hold',
  solved: 'Solved',
  closed: 'Closed',
};

export const TicketPriority = {
  low: 'low',
  normal: 'normal',
  high: 'high',
  urgent: 'urgent',
} as const;
export type TicketPriority = (typeof TicketPriority)[keyof typeof TicketPriority];
export const TICKET_PRIORITIES: readonly TicketPriority[] = Object.values(TicketPriority);
export const PRIORITY_LABELS: Record<TicketPriority, string> = {
  low: 'Low',
  normal: 'Normal',
  high: 'High',
  urgent: 'Urgent',
};
/** Sort rank: higher is more pressing. */
export const PRIORITY_RANK: Record<TicketPriority, number> = {
  low: 0,
  normal: 1,
  high: 2,
  urgent: 3,
};

export const TicketType = {
  question: 'question',
  incident: 'incident',
  problem: 'problem',
  task: 'task',
} as const;
export type TicketType = (typeof TicketType)[keyof typeof TicketType];
export const TICKET_TYPES: readonly TicketType[] = Object.values(TicketType);
export const TYPE_LABELS: Record<TicketType, string> = {
  question: 'Question',
  incident: 'Incident',
  problem: 'Problem',
  task: 'Task',
};

/** @default 200 characters — a title is a line, not a description. */
export const MAX_TITLE_LENGTH = 200;
/** @default 20 tags per ticket, 40 characters each. */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;
/** @default 100 characters for a requester's name. */
export const MAX_NAME_LENGTH = 100;
/** @default 20,000 characters for a comment or message body. */
export const MAX_BODY_LENGTH = 20_000;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function invalid(field: string, message: string): never {
  throw new ModelError(ModelErrorCode.invalidField, message, field);
}

export function validateTitle(value: unknown): string {
  if (typeof value !== 'string') invalid('title', 'The title must be text.');
  const title = value.replace(/\s+/g, ' ').trim();
  if (!title) invalid('title', 'Give the ticket a title.');
  if (title.length > MAX_TITLE_LENGTH) {
    invalid('title', `The title is too long (at most ${MAX_TITLE_LENGTH} characters).`);
  }
  return title;
}

export function validateStatus(value: unknown): TicketStatus {
  if (!TICKET_STATUSES.includes(value as TicketStatus)) invalid('status', 'Unknown status.');
  return value as TicketStatus;
}

export function validatePriority(value: unknown): TicketPriority {
  if (!TICKET_PRIORITIES.includes(value as TicketPriority)) {
    invalid('priority', 'Unknown priority.');
  }
  return value as TicketPriority;
}

export function validateType(value: unknown): TicketType {
  if (!TICKET_TYPES.includes(value as TicketType)) invalid('type', 'Unknown ticket type.');
  return value as TicketType;
}

/** Tags are lower-cased, trimmed, de-duplicated, and keep the order they were given. */
export function validateTags(value: unknown): string[] {
  if (!Array.isArray(value)) invalid('tags', 'Tags must be a list.');
  const tags: string[] = [];
  for (const raw of value) {
    if (typeof raw !== 'string') invalid('tags', 'Every tag must be text.');
    const tag = raw.trim().toLowerCase().replace(/\s+/g, '-');
    if (!tag) continue;
    if (tag.length > MAX_TAG_LENGTH) {
      invalid('tags', `A tag is at most ${MAX_TAG_LENGTH} characters.`);
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > MAX_TAGS) invalid('tags', `A ticket has at most ${MAX_TAGS} tags.`);
  return tags;
}

export interface Requester {
  name: string;
  email: string;
}

export function validateRequester(value: unknown): Requester | null {
  if (value === null) return null;
  if (typeof value !== 'object') invalid('requester', 'The requester is missing.');
  const { name, email } = value as { name?: unknown; email?: unknown };
  const cleanName = typeof name === 'string' ? name.trim() : '';
  const cleanEmail = typeof email === 'string' ? email.trim() : '';
  if (!cleanName && !cleanEmail) return null;
  if (cleanName.length > MAX_NAME_LENGTH) invalid('requester', 'The requester name is too long.');
  if (cleanEmail && !emailPattern.test(cleanEmail)) {
    invalid('requester', 'The requester email address does not look right.');
  }
  return { name: cleanName, email: cleanEmail };
}

/** A due date is a calendar day (`YYYY-MM-DD`), not an instant: it means the same everywhere. */
export function validateDueDate(value: unknown): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string' || !datePattern.test(value)) {
    invalid('dueDate', 'The due date must be a day (YYYY-MM-DD).');
  }
  if (Number.isNaN(Date.parse(`${value}T00:00:00Z`))) invalid('dueDate', 'No such day.');
  return value;
}

export function validateUserId(value: unknown, field: string): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    invalid(field, 'Unknown member.');
  }
  return value;
}

export function validateBody(value: unknown, field = 'body'): string {
  if (typeof value !== 'string') invalid(field, 'The text is missing.');
  const body = value.trim();
  if (!body) invalid(field, 'Write something first.');
  if (body.length > MAX_BODY_LENGTH) {
    invalid(field, `The text is too long (at most ${MAX_BODY_LENGTH} characters).`);
  }
  return body;
}

export function validateName(value: unknown, field: string, max = 80): string {
  if (typeof value !== 'string') invalid(field, 'The name must be text.');
  const name = value.replace(/\s+/g, ' ').trim();
  if (!name) invalid(field, 'Give it a name.');
  if (name.length > max) invalid(field, `The name is too long (at most ${max} characters).`);
  return name;
}
