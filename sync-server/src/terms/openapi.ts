import {
  OperatorTermsList,
  PublishTermsRequest,
  TermsResponse,
  TermsVersion,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** Versioned terms (issue 16): read, publish. Refusals elsewhere: 403 `terms_not_accepted`. */
export const termsRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/terms',
    summary:
      'The terms version in force and the next one, once published (no login needed); for a signed-in user also what every version since their last acceptance changed.',
    auth: 'public',
    responses: {
      200: ok('`{ current, upcoming }`; upcoming is null when none is published.', TermsResponse),
    },
  },
  {
    method: 'get',
    path: '/api/operator/terms',
    summary: 'Every terms version, newest first, with acceptances and announcement state.',
    auth: 'operator',
    responses: { 200: ok('`{ versions }`.', OperatorTermsList) },
  },
  {
    method: 'post',
    path: '/api/operator/terms',
    summary:
      'Publish a new terms version (text, changes, effective date ≥ now; omitted = now). Every user is emailed in batches after the answer; from the effective date users who have not accepted it get 403 `terms_not_accepted` on the API and close 4451 on sockets. Audited (`terms.published`).',
    auth: 'operator',
    body: PublishTermsRequest,
    responses: {
      201: ok('The published version.', TermsVersion),
      400: '`validation_failed`: empty text or changes, or an effective date passed.',
    },
  },
];
