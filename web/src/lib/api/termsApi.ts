import type {
  OperatorTermsList,
  PublishTermsRequest,
  TermsResponse,
  TermsVersion,
} from '@desk/protocol';
import { api } from './api.ts';

/** Versioned terms (issue 16): reading them (anyone) and publishing (operators). */
export const termsApi = {
  get: () => api<TermsResponse>('/api/terms'),
  list: () => api<OperatorTermsList>('/api/operator/terms'),
  publish: (body: PublishTermsRequest) =>
    api<TermsVersion>('/api/operator/terms', { method: 'POST', body }),
};
