import { setStoredInstanceLoginPolicy } from '../../store/queries/instance-settings.ts';
import { DomainError } from '../errors.ts';
import type { LoginPolicyOverride } from '../rules/login-policy.ts';
import { unsupportedPolicySettings } from '../rules/login-policy-support.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { refuseUnavailableIdps } from './identity-providers.ts';

/**
 * Refuses (400 naming each field) a policy the login cannot honour yet, wherever a login policy is set: the
 * instance's and an org's (issue 15: honoured or refused, never silently ignored).
 */
export function refuseUnsupportedPolicy(policy: LoginPolicyOverride | null): void {
  const unsupported = policy ? unsupportedPolicySettings(policy) : [];
  if (unsupported.length)
    throw new DomainError('invalid', unsupported.map(({ field, message }) => `${field}: ${message}`).join('; '), {
      errors: unsupported,
    });
}

/**
 * Replaces the instance's login policy, the default every org without an override of its own inherits (ZITADEL's
 * default login policy, admin API `UpdateLoginPolicy`); a field left out is the built-in default
 * (domain/rules/login-policy.ts). The instance write drops the cached policy (store/cache/invalidate-on-write.ts).
 */
export function setInstanceLoginPolicy(actor: Actor, policy: LoginPolicyOverride): Promise<LoginPolicyOverride> {
  return asOneChange(actor, async () => {
    refuseUnsupportedPolicy(policy);
    await refuseUnavailableIdps(actor.instanceId, null, policy.idps);
    const stored = await setStoredInstanceLoginPolicy(actor.instanceId, policy);
    await recordChange(actor, {
      orgId: null,
      type: 'instance.login_policy.set',
      resourceType: 'instance',
      resourceId: actor.instanceId,
      payload: { policy },
    });
    return stored;
  });
}
