import {
  CreateSupportGrantRequest,
  OperatorSupportGrantList,
  SupportGrantList,
  SupportGrantResponse,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

/**
 * Support access (terms §3): owners and admins grant the operators access to a workspace
 * for a reason and a bounded time, and revoke it; operators list what they may open. Under
 * an active grant an operator uses the workspace's own routes as a viewer (read grant) or an
 * agent (write grant), browser session only, each request audited (`support.request`).
 */
export const supportRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/workspaces/{slug}/support-grants',
    summary: 'Support-access grants of the workspace, active and past, newest first.',
    auth: 'manager',
    responses: { 200: ok('`{ grants }`.', SupportGrantList) },
  },
  {
    method: 'post',
    path: '/api/workspaces/{slug}/support-grants',
    summary:
      'Let the operators into the workspace for a reason, 1 hour to 7 days, read-only unless `access` is `write` (audited `support_grant.created`).',
    auth: 'manager',
    body: CreateSupportGrantRequest,
    responses: {
      201: ok('The grant, active.', SupportGrantResponse),
      400: '`validation_failed`: no reason, or a duration outside 1 hour … 7 days.',
    },
  },
  {
    method: 'delete',
    path: '/api/workspaces/{slug}/support-grants/{grantId}',
    summary:
      "Revoke a grant now: the operators' requests are refused and their open documents closed at once (audited `support_grant.revoked`). An ended grant is answered as it is.",
    auth: 'manager',
    responses: {
      200: ok('The grant as it is now.', SupportGrantResponse),
      404: 'No such grant in this workspace.',
    },
  },
  {
    method: 'get',
    path: '/api/operator/support-grants',
    summary: 'The workspaces an operator may open now under an active support grant.',
    auth: 'operator',
    responses: { 200: ok('`{ grants }`, soonest expiry first.', OperatorSupportGrantList) },
  },
];
