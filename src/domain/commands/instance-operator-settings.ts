import type { MasterKey } from '../../platform/crypto.ts';
import type { TokenLifetimes } from '../../store/models/common.ts';
import { storedSmtp } from '../../store/queries/smtp-settings.ts';
import { recordSystemEvent } from '../../store/queries/system-events.ts';
import type { InstanceFeatures } from '../rules/instance-features.ts';
import type { InstanceSettings } from '../rules/instance-settings.ts';
import type { LoginPolicyOverride } from '../rules/login-policy.ts';
import { asOneChange } from './changes.ts';
import { changeableInstance, findInstance, updateInstance, type InstanceRecord } from './instance-admin.ts';
import { setInstanceBranding, type BrandingOverride } from './instance-branding.ts';
import { setInstanceFeatures } from './instance-features.ts';
import { updateInstanceSettings } from './instance-settings.ts';
import { setInstanceLoginPolicy } from './login-policies.ts';
import { removeSmtpSettings, setSmtpSettings, type SmtpSettingsInput } from './smtp-settings.ts';

/** What an operator changes of an instance's settings at once; each group as the management API changes it. */
export interface InstanceSettingsChange {
  /** A lifetime left out keeps its value. */
  tokenLifetimes?: Partial<TokenLifetimes>;
  /** Replaces the instance login policy (password complexity, lockout and branding are parts of it). */
  loginPolicy?: LoginPolicyOverride;
  /** Replaces the branding defaults. */
  branding?: BrandingOverride;
  /** A feature left out keeps its value. */
  features?: Partial<InstanceFeatures>;
  oidc?: Partial<InstanceSettings['oidc']>;
  strictReservedScopes?: Partial<InstanceSettings['strictReservedScopes']>;
  /** Replaces the SMTP settings (a password left out is kept); null removes them. */
  smtp?: SmtpSettingsInput | null;
}

/**
 * An operator's change of an instance's settings (System API): the management API's commands, one per group, so the
 * same refusals and the same events in the instance's audit trail (the operator as actor), and one entry in the
 * deployment's log naming the groups. Applied in the order of the fields above but the login policy first: it is the
 * one group its command can still refuse after the request's validation (domain/commands/login-policies.ts), and so
 * is refused before anything is written; the branding comes after it, so that both given, the branding holds.
 */
export async function changeInstanceSettings(
  masterKey: MasterKey,
  actorId: string,
  instanceId: string,
  change: InstanceSettingsChange,
): Promise<InstanceRecord> {
  await changeableInstance(instanceId);
  const actor = { instanceId, actorId };
  await asOneChange(actor, async () => {
    if (change.loginPolicy) await setInstanceLoginPolicy(actor, change.loginPolicy);
    if (change.tokenLifetimes) await updateInstance(actorId, instanceId, { tokenLifetimes: change.tokenLifetimes });
    if (change.branding) await setInstanceBranding(actor, change.branding);
    if (change.features) await setInstanceFeatures(actor, change.features);
    if (change.oidc || change.strictReservedScopes)
      await updateInstanceSettings(actor, { oidc: change.oidc, strictReservedScopes: change.strictReservedScopes });
    if (change.smtp) await setSmtpSettings(actor, masterKey, change.smtp);
    else if (change.smtp === null && (await storedSmtp(instanceId))) await removeSmtpSettings(actor);
    const groups = Object.keys(change);
    if (groups.length)
      await recordSystemEvent({ instanceId, actorId, type: 'instance.settings.changed', payload: { groups } });
  });
  return findInstance(instanceId);
}
