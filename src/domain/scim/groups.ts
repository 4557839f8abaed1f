import { GROUP_SCHEMA, scimInvalid } from './protocol.ts';

/**
 * A SCIM Group is a project role the org may assign (RFC 7643 §4.2 leaves a group's meaning to the provider): its id
 * is `projectId:roleKey` (project ids are UUIDs, so the first colon separates them) and its members are the org's
 * users it gave that role. Castellan has no group of its own to map instead.
 */
export interface GroupRole {
  projectId: string;
  projectName: string;
  roleKey: string;
}

export interface GroupMember {
  userId: string;
  display: string;
}

export function groupIdOf(role: Pick<GroupRole, 'projectId' | 'roleKey'>): string {
  return `${role.projectId}:${role.roleKey}`;
}

export function parseGroupId(id: string): { projectId: string; roleKey: string } | null {
  const colon = id.indexOf(':');
  if (colon <= 0 || colon === id.length - 1) return null;
  return { projectId: id.slice(0, colon), roleKey: id.slice(colon + 1) };
}

export function toScimGroup(
  role: GroupRole,
  members: GroupMember[] | null,
  baseUrl: string,
  version: (resource: object) => string,
): Record<string, unknown> {
  const id = groupIdOf(role);
  const resource = {
    schemas: [GROUP_SCHEMA],
    id,
    displayName: `${role.projectName}: ${role.roleKey}`,
    ...(members
      ? {
          members: members.map((member) => ({
            value: member.userId,
            display: member.display,
            type: 'User',
            $ref: `${baseUrl}/Users/${member.userId}`,
          })),
        }
      : {}),
  };
  const meta = { resourceType: 'Group', location: `${baseUrl}/Groups/${encodeURIComponent(id)}` };
  return { ...resource, meta: { ...meta, version: version({ ...resource, meta }) } };
}

/** The member ids of a Group representation (after a patch, or a PUT body); anything else there is refused. */
export function memberIdsOf(group: unknown): string[] {
  const members = (group as { members?: unknown } | null)?.members ?? [];
  if (!Array.isArray(members)) throw scimInvalid('invalidValue', 'members: a list');
  const ids = members.map((member: { value?: unknown }) => {
    if (typeof member?.value !== 'string' || !member.value)
      throw scimInvalid('invalidValue', 'members.value: a User id');
    return member.value;
  });
  return [...new Set(ids)];
}

/** Who joins and who leaves the group. */
export function membershipChange(current: readonly string[], desired: readonly string[]) {
  return {
    add: desired.filter((id) => !current.includes(id)),
    remove: current.filter((id) => !desired.includes(id)),
  };
}
