import type {
  Announcement,
  AnnouncementList,
  AnnouncementOptedOut,
  AnnouncementPreference,
  SendAnnouncementRequest,
} from '@desk/protocol';
import { api } from './api.ts';

/** Feature announcements (issue 16, terms §3): operators send; users opt out or back in. */
export const announcementsApi = {
  list: () => api<AnnouncementList>('/api/operator/announcements'),
  send: (body: SendAnnouncementRequest) =>
    api<Announcement>('/api/operator/announcements', { method: 'POST', body }),
  /** Sends a finished announcement again to the recipients whose message failed. */
  retryFailed: (id: string) =>
    api<Announcement>(`/api/operator/announcements/${encodeURIComponent(id)}/retry`, {
      method: 'POST',
      body: {},
    }),
  preference: () => api<AnnouncementPreference>('/api/auth/announcements'),
  setPreference: (receive: boolean) =>
    api<AnnouncementPreference>('/api/auth/announcements', {
      method: 'PUT',
      body: { receive },
    }),
  /** From an email's link, no login: the token says whose announcements stop. */
  optOut: (token: string) =>
    api<AnnouncementOptedOut>('/api/auth/announcements/opt-out', {
      method: 'POST',
      body: { token },
    }),
};
