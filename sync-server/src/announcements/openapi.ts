import {
  Announcement,
  AnnouncementList,
  AnnouncementOneClickQuery,
  AnnouncementOptedOut,
  AnnouncementOptOutRequest,
  AnnouncementPreference,
  SendAnnouncementRequest,
  SetAnnouncementPreferenceRequest,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** Feature announcements with opt-out (issue 16, terms §3). */
export const announcementRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/operator/announcements',
    summary: 'Announcements sent, newest first, with delivery progress.',
    auth: 'operator',
    responses: { 200: ok('`{ announcements }`.', AnnouncementList) },
  },
  {
    method: 'post',
    path: '/api/operator/announcements',
    summary:
      'Send a feature announcement (subject, text) to every user or to owners only. Recipients are counted now (users who opted out are left out); the emails go out in batches after the answer, resuming after a restart, never twice to one user. Audited (`announcement.sent`).',
    auth: 'operator',
    body: SendAnnouncementRequest,
    responses: {
      201: ok('The announcement, with its recipients counted.', Announcement),
      400: '`validation_failed`: empty subject or text, or an unknown audience.',
    },
  },
  {
    method: 'post',
    path: '/api/operator/announcements/{id}/retry',
    summary:
      'Send a finished announcement again to the recipients whose message failed (a mail outage), and to nobody else. Audited (`announcement.retried`).',
    auth: 'operator',
    responses: {
      200: ok('The announcement; delivery runs again when there was a failure.', Announcement),
      404: '`not_found`: no such announcement.',
      409: '`invalid_state_transition`: it is still being sent.',
    },
  },
  {
    method: 'get',
    path: '/api/auth/announcements',
    summary: 'Whether the caller gets feature announcements.',
    auth: 'session',
    responses: { 200: ok('`{ receive }`.', AnnouncementPreference) },
  },
  {
    method: 'put',
    path: '/api/auth/announcements',
    summary:
      'Opt out of feature announcements (`receive: false`) or back in. Audited (`announcements.opted_out` / `announcements.opted_in`).',
    auth: 'session',
    body: SetAnnouncementPreferenceRequest,
    responses: {
      200: ok('The choice now in force.', AnnouncementPreference),
      400: '`validation_failed`.',
    },
  },
  {
    method: 'post',
    path: '/api/auth/announcements/opt-out',
    summary:
      'Opt out with the signed token of an announcement email’s link (`/announcements/opt-out#token=…`), no login needed. The web page posts it only after a click, so link scanners change nothing.',
    auth: 'public',
    body: AnnouncementOptOutRequest,
    responses: {
      200: ok('The address that gets no more announcements.', AnnouncementOptedOut),
      400: '`token_invalid`: the token was not signed by this server (tampered or made up).',
    },
  },
  {
    method: 'post',
    path: '/api/auth/announcements/one-click',
    summary:
      'RFC 8058 one-click unsubscribe: the URL of every announcement’s `List-Unsubscribe` header (with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`), POSTed by the mail provider with the signed token in the query. No login, no Origin needed; a GET changes nothing.',
    auth: 'public',
    query: AnnouncementOneClickQuery,
    body: {
      raw: 'application/x-www-form-urlencoded',
      description: '`List-Unsubscribe=One-Click` (not read).',
    },
    responses: {
      200: ok('The address that gets no more announcements.', AnnouncementOptedOut),
      400: '`validation_failed` without a token; `token_invalid` for a token this server did not sign.',
    },
  },
];
