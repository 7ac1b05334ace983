import {
  INVITABLE_ROLES,
  WORKSPACE_ROLES,
  type InvitableRole,
  type WorkspaceRole,
} from '@desk/protocol';

/**
 * Roles in a workspace, strongest first. Owner: everything, including billing and transfer
 * of ownership. Admin: members and invitations, settings. Agent: works on tickets.
 * Viewer: reads only (the sync engine refuses their writes).
 */
export const roles = WORKSPACE_ROLES;
export type Role = WorkspaceRole;

/** Roles an invitation may grant; ownership only changes hands by transfer. */
export const invitableRoles = INVITABLE_ROLES;
export type { InvitableRole };

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** Owners and admins manage members and invitations. */
export function canManageMembers(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}
