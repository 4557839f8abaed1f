import type { AssignableRole } from '../../store/queries/scim-groups.ts';
import { userGrantsGivenBy } from '../../store/queries/scim-users.ts';
import { findUser } from '../commands/users.ts';
import { changeUserGrantRoles, createUserGrant, removeUserGrant } from '../commands/user-grants.ts';
import { scimInvalid } from './protocol.ts';
import type { Provisioning } from './provision.ts';

/**
 * Group membership is a role in the org's user grant of the user on the group's project: joining adds the role (a new
 * user grant when the user had none there), leaving removes it, and the user grant goes when its last role does.
 * Through the user-grant commands, with their checks and events.
 */
export async function changeGroupMembers(
  run: Provisioning,
  role: AssignableRole,
  change: { add: string[]; remove: string[] },
): Promise<void> {
  const { actor, org } = run;
  for (const userId of change.add) {
    const user = await findUser(actor.instanceId, userId);
    if (!user || user.orgId !== org._id || user.type !== 'human')
      throw scimInvalid('invalidValue', `members: no user ${userId} in this organization`);
  }
  const grants = (await userGrantsGivenBy(actor.instanceId, org._id, [...change.add, ...change.remove])).filter(
    (grant) => grant.projectId === role.projectId,
  );
  const grantOf = (userId: string) => grants.find((grant) => grant.userId === userId);
  for (const userId of change.add) {
    const grant = grantOf(userId);
    if (!grant) {
      const input = { orgId: org._id, userId, projectId: role.projectId, roleKeys: [role.roleKey] };
      await createUserGrant(actor, input, role.projectGrantId);
    } else if (!grant.roleKeys.includes(role.roleKey))
      await changeUserGrantRoles(actor, grant, [...grant.roleKeys, role.roleKey]);
  }
  for (const userId of change.remove) {
    const grant = grantOf(userId);
    if (!grant?.roleKeys.includes(role.roleKey)) continue;
    const rest = grant.roleKeys.filter((key) => key !== role.roleKey);
    if (rest.length) await changeUserGrantRoles(actor, grant, rest);
    else await removeUserGrant(actor, grant);
  }
}
