import { body, error, json } from '../http/openApiParts.ts';
import { publishTermsBody } from './termsRoutes.ts';

const termsVersion = {
  type: 'object',
  properties: {
    version: { type: 'string' },
    text: { type: 'string' },
    changes: { type: 'string', description: 'What changed, in the operator’s words.' },
    effectiveAt: { type: 'integer', description: 'Ms since the epoch.' },
    publishedAt: { type: 'integer' },
  },
};

const operatorOnly = {
  '401': error('Not authenticated.'),
  '403': error('`forbidden`: operators (browser session) only; `terms_not_accepted`.'),
};

/** Versioned terms (issue 16): read, publish. Refusals elsewhere: 403 `terms_not_accepted`. */
export const termsOpenApi = {
  paths: {
    '/api/terms': {
      get: {
        summary: 'The terms version in force and the next one, once published (no login needed).',
        responses: {
          '200': json('`{ current, upcoming }`; upcoming is null when none is published.', {
            type: 'object',
            properties: {
              current: termsVersion,
              upcoming: { oneOf: [termsVersion, { type: 'null' }] },
            },
          }),
        },
      },
    },
    '/api/operator/terms': {
      get: {
        summary: 'Every terms version, newest first, with acceptances and announcement state.',
        security: [{ session: [] }],
        responses: { '200': json('`{ versions }`.'), ...operatorOnly },
      },
      post: {
        summary:
          'Publish a new terms version (text, changes, effective date ≥ now; omitted = now). Every user is emailed in batches after the answer; from the effective date users who have not accepted it get 403 `terms_not_accepted` on the API and close 4451 on sockets. Audited (`terms.published`).',
        security: [{ session: [] }],
        requestBody: body(publishTermsBody),
        responses: {
          '201': json('The published version.', termsVersion),
          '400': error('`validation_failed`: empty text or changes, or an effective date passed.'),
          ...operatorOnly,
        },
      },
    },
  },
};
