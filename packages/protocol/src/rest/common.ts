import { z } from 'zod';

/** Milliseconds since the epoch, as every REST body carries time. */
export const Millis = z.number().int();

/** Answers that only say which change happened. */
export const SessionsEnded = z.strictObject({ sessionsEnded: z.number().int() });
export type SessionsEnded = z.infer<typeof SessionsEnded>;

export const Ok = z.strictObject({ ok: z.literal(true) });
export type Ok = z.infer<typeof Ok>;

/** A route that takes no body fields (or answers `{}`): what a client may send. */
export const EmptyRequest = z.object({});
export type EmptyRequest = z.infer<typeof EmptyRequest>;
