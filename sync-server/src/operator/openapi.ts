import {
  AuditList,
  AuditQuery,
  ChangeStateRequest,
  ChangeStateResponse,
  ChangeSubscriptionRequest,
  CustomerSearchResponse,
  DirectoryQuery,
  Ok,
  OperatorNoteRequest,
  PlanList,
  UserSearchResponse,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** The operator console: plans, account searches (audited), account actions (audited). */
export const operatorRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/operator/plans',
    summary: 'Every plan (data).',
    auth: 'operator',
    responses: { 200: ok('Plans.', PlanList) },
  },
  {
    method: 'get',
    path: '/api/operator/customers',
    summary: 'Customers with account information only (no workspace content); a search is audited.',
    auth: 'operator',
    query: DirectoryQuery,
    responses: {
      200: ok('Customers and total.', CustomerSearchResponse),
      400: '`validation_failed`: the list parameters.',
    },
  },
  {
    method: 'get',
    path: '/api/operator/users',
    summary: 'User accounts (name, email, phone, status); a search is audited.',
    auth: 'operator',
    query: DirectoryQuery,
    responses: {
      200: ok('Users and total.', UserSearchResponse),
      400: '`validation_failed`: the list parameters.',
    },
  },
  {
    method: 'patch',
    path: '/api/operator/workspaces/{id}/subscription',
    summary: 'Change plan, custom seat limit and/or trial end (audited).',
    auth: 'operator',
    body: ChangeSubscriptionRequest,
    responses: {
      200: ok('Changed.', Ok),
      400: '`validation_failed`.',
      404: 'No such workspace.',
      409: '`invalid_state_transition` (trial end outside a trial).',
    },
  },
  {
    method: 'post',
    path: '/api/operator/workspaces/{id}/state',
    summary: 'Move the subscription: suspend, reactivate, mark past due, terminate (audited).',
    auth: 'operator',
    body: ChangeStateRequest,
    responses: {
      200: ok('`changed`: false when already in that state.', ChangeStateResponse),
      400: '`validation_failed`.',
      404: 'No such workspace.',
      409: '`invalid_state_transition`.',
    },
  },
  {
    method: 'post',
    path: '/api/operator/users/{id}/suspend',
    summary: 'Suspend a user account (terms §2); their sessions stop working (audited).',
    auth: 'operator',
    body: OperatorNoteRequest,
    bodyOptional: true,
    responses: { 200: ok('Suspended.', Ok), 404: 'No such user.' },
  },
  {
    method: 'post',
    path: '/api/operator/users/{id}/reinstate',
    summary: 'Reinstate a suspended user account (audited).',
    auth: 'operator',
    body: OperatorNoteRequest,
    bodyOptional: true,
    responses: { 200: ok('Reinstated.', Ok), 404: 'No such user.' },
  },
  {
    method: 'get',
    path: '/api/operator/audit',
    summary: 'The audit log, newest first.',
    auth: 'operator',
    query: AuditQuery,
    responses: { 200: ok('Entries.', AuditList) },
  },
];
