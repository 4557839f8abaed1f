import { findOrg } from '../../store/queries/accounts.ts';
import { storedInstanceRouting } from '../../store/queries/instance-settings.ts';
import { findOrgWithVerifiedDomain } from '../../store/queries/org-domains.ts';
import { conflict } from '../errors.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../rules/login-policy.ts';

/**
 * ZITADEL's domain policy, `userLoginMustBeDomain`, for a new username. Where it is set, the login name is always
 * `username@{org domain}`, so any username is unambiguous (an email address as username gives
 * `someone@mail.example@org.example`, as in ZITADEL). Where it is not, the bare username is a login name too, so it
 * must not end in a domain another org of the instance has verified: `bob@beta.example` created in another org
 * would be found before Beta's `bob` (ZITADEL refuses it too: "Errors.User.DomainNotAllowedAsUsername").
 */
export async function requireUsernameAllowed(instanceId: string, orgId: string, username: string): Promise<void> {
  const at = username.lastIndexOf('@');
  if (at < 0) return;
  const domainOrg = await findOrgWithVerifiedDomain(instanceId, username.slice(at + 1).toLowerCase());
  if (!domainOrg || domainOrg._id === orgId) return;
  const org = await findOrg(instanceId, orgId);
  const policy = effectiveLoginPolicy(
    ((await storedInstanceRouting(instanceId))?.loginPolicy ?? {}) as LoginPolicyOverride,
    org?.loginPolicy as LoginPolicyOverride | null,
  );
  if (!policy.userLoginMustBeDomain)
    throw conflict(`username: its domain is verified by another organization; choose a username without it`);
}
