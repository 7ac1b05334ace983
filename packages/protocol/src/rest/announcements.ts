/**
 * REST bodies of feature announcements (issue 16, terms §3: the operator may use a user's
 * name, email and phone only to announce features): the operator sends one
 * (`/api/operator/announcements`), a user opts out or back in (`/api/auth/announcements`),
 * or opts out from the signed link of an email without logging in
 * (`/api/auth/announcements/opt-out`).
 */
import { z } from 'zod';
import { Millis } from './common.ts';

/** Who an announcement goes to: every user, or only owners of at least one workspace. */
export const ANNOUNCEMENT_AUDIENCES = ['all', 'owners'] as const;
export const AnnouncementAudience = z.enum(ANNOUNCEMENT_AUDIENCES);
export type AnnouncementAudience = z.infer<typeof AnnouncementAudience>;

export const SendAnnouncementRequest = z.object({
  subject: z.string().trim().min(1, 'Enter a subject.').max(200, 'Use at most 200 characters.'),
  /** Plain text; blank lines separate paragraphs. */
  text: z.string().trim().min(1, 'Enter the text.').max(20_000, 'Use at most 20,000 characters.'),
  audience: AnnouncementAudience,
});
export type SendAnnouncementRequest = z.input<typeof SendAnnouncementRequest>;

/**
 * One announcement and how far its delivery got. `recipients` is fixed when it is sent
 * (users who had not opted out then); `optedOut` is how many were left out for that reason.
 * Each recipient ends in exactly one of sent / failed / interrupted (a restart in the middle
 * of that one message: it is never sent again, so nobody gets it twice); users who opt out
 * during delivery are skipped and counted nowhere.
 */
export const Announcement = z.strictObject({
  id: z.string(),
  subject: z.string(),
  text: z.string(),
  audience: AnnouncementAudience,
  createdAt: Millis,
  recipients: z.number().int(),
  optedOut: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  interrupted: z.number().int(),
  /** When delivery ended (every recipient handled); null while it runs. */
  finishedAt: Millis.nullable(),
});
export type Announcement = z.infer<typeof Announcement>;

export const AnnouncementList = z.strictObject({ announcements: z.array(Announcement) });
export type AnnouncementList = z.infer<typeof AnnouncementList>;

/** A user's own choice: whether they get feature announcements. */
export const AnnouncementPreference = z.strictObject({ receive: z.boolean() });
export type AnnouncementPreference = z.infer<typeof AnnouncementPreference>;

export const SetAnnouncementPreferenceRequest = z.object({ receive: z.boolean() });
export type SetAnnouncementPreferenceRequest = z.input<typeof SetAnnouncementPreferenceRequest>;

/** The signed token of an email's opt-out link (`/announcements/opt-out#token=…`). */
export const AnnouncementOptOutRequest = z.object({ token: z.string().min(1).max(200) });
export type AnnouncementOptOutRequest = z.input<typeof AnnouncementOptOutRequest>;

/**
 * RFC 8058 one-click unsubscribe: the mail provider's "Unsubscribe" button POSTs to the
 * `List-Unsubscribe` URL of the message, token in the query (the body is always
 * `List-Unsubscribe=One-Click`).
 */
export const AnnouncementOneClickQuery = z.object({ token: z.string().min(1).max(200) });
export type AnnouncementOneClickQuery = z.input<typeof AnnouncementOneClickQuery>;

/** The address that will get no more announcements (the person sees whose link it was). */
export const AnnouncementOptedOut = z.strictObject({ email: z.string() });
export type AnnouncementOptedOut = z.infer<typeof AnnouncementOptedOut>;
