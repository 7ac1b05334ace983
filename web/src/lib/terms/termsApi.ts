import { api } from '$lib/api/api.ts';

/** One published version of the terms of service (`GET /api/terms`). */
export interface TermsVersion {
  version: string;
  text: string;
  /** What changed since the version before, in the operator's words. */
  changes: string;
  effectiveAt: number;
  publishedAt: number;
}

export interface OperatorTermsVersion extends TermsVersion {
  /** Whether every user has been emailed about it. */
  announced: boolean;
  acceptances: number;
}

/** Versioned terms (issue 16): reading them (anyone) and publishing (operators). */
export const termsApi = {
  get: () => api<{ current: TermsVersion; upcoming: TermsVersion | null }>('/api/terms'),
  list: () => api<{ versions: OperatorTermsVersion[] }>('/api/operator/terms'),
  publish: (body: { text: string; changes: string; effectiveAt?: number }) =>
    api<TermsVersion>('/api/operator/terms', { method: 'POST', body }),
};
