import { z } from 'zod';
import { setOrgLoginPolicy, type OrgRecord } from '../../domain/commands/orgs.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../../domain/rules/login-policy.ts';
import { MULTI_FACTOR_TYPES, PASSWORDLESS_TYPES, SECOND_FACTOR_TYPES } from '../../store/models/login-policy.ts';
import { ORG } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb color');
/** Seconds, at most a year. */
const lifetime = z.number().int().min(0).max(31_536_000);
const secondFactor = z.enum(SECOND_FACTOR_TYPES);
const multiFactor = z.enum(MULTI_FACTOR_TYPES);
const passwordlessType = z.enum(PASSWORDLESS_TYPES);

/**
 * An org's override of the instance login policy: every field optional, absent means inherited. Values the login
 * cannot honour yet are refused with 400 naming the field (domain/rules/login-policy-support.ts).
 */
const loginPolicyOverride = z.strictObject({
  allowUsernamePassword: z.boolean().optional(),
  passwordlessType: passwordlessType.optional(),
  allowRegister: z.boolean().optional(),
  allowExternalIdp: z.boolean().optional(),
  forceMfa: z.boolean().optional(),
  forceMfaLocalOnly: z.boolean().optional(),
  secondFactors: z.array(secondFactor).max(SECOND_FACTOR_TYPES.length).optional(),
  multiFactors: z.array(multiFactor).max(MULTI_FACTOR_TYPES.length).optional(),
  mfaInitSkipLifetime: lifetime.optional(),
  passwordCheckLifetime: lifetime.optional(),
  secondFactorCheckLifetime: lifetime.optional(),
  multiFactorCheckLifetime: lifetime.optional(),
  hidePasswordReset: z.boolean().optional(),
  ignoreUnknownUsernames: z.boolean().optional(),
  allowDomainDiscovery: z.boolean().optional(),
  disableLoginWithEmail: z.boolean().optional(),
  passwordComplexity: z
    .strictObject({
      minLength: z.number().int().min(1).max(128).optional(),
      requireUppercase: z.boolean().optional(),
      requireLowercase: z.boolean().optional(),
      requireNumber: z.boolean().optional(),
      requireSymbol: z.boolean().optional(),
    })
    .optional(),
  lockout: z
    .strictObject({
      maxPasswordAttempts: z.number().int().min(0).max(1000).optional(),
      maxOtpAttempts: z.number().int().min(0).max(1000).optional(),
    })
    .optional(),
  branding: z
    .strictObject({
      displayName: z.string().max(200).optional(),
      primaryColor: hexColor.optional(),
      backgroundColor: hexColor.optional(),
      fontColor: hexColor.optional(),
    })
    .optional(),
});

const booleanFlag = z.boolean();
const loginPolicyView = z.object({
  override: loginPolicyOverride.nullable(),
  effective: z.object({
    allowUsernamePassword: booleanFlag,
    passwordlessType,
    allowRegister: booleanFlag,
    allowExternalIdp: booleanFlag,
    forceMfa: booleanFlag,
    forceMfaLocalOnly: booleanFlag,
    secondFactors: z.array(secondFactor),
    multiFactors: z.array(multiFactor),
    mfaInitSkipLifetime: z.number(),
    passwordCheckLifetime: z.number(),
    secondFactorCheckLifetime: z.number(),
    multiFactorCheckLifetime: z.number(),
    hidePasswordReset: booleanFlag,
    ignoreUnknownUsernames: booleanFlag,
    allowDomainDiscovery: booleanFlag,
    disableLoginWithEmail: booleanFlag,
    passwordComplexity: z.object({
      minLength: z.number(),
      requireUppercase: booleanFlag,
      requireLowercase: booleanFlag,
      requireNumber: booleanFlag,
      requireSymbol: booleanFlag,
    }),
    lockout: z.object({ maxPasswordAttempts: z.number(), maxOtpAttempts: z.number() }),
    branding: z.object({
      displayName: z.string().nullable(),
      primaryColor: z.string(),
      backgroundColor: z.string(),
      fontColor: z.string(),
    }),
  }),
});

/** Drops the nulls and empty objects mongoose keeps for unset parts of a stored override (lists are kept). */
function storedOverride(org: OrgRecord): z.output<typeof loginPolicyOverride> | null {
  if (!org.loginPolicy) return null;
  const clean = (value: unknown): unknown => {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const entries = Object.entries(value)
      .map(([key, inner]) => [key, clean(inner)] as const)
      .filter(([, inner]) => inner !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  };
  return (clean(org.loginPolicy) as z.output<typeof loginPolicyOverride> | undefined) ?? {};
}

function toPolicyView(
  org: OrgRecord,
  instancePolicy: LoginPolicyOverride | null | undefined,
): z.input<typeof loginPolicyView> {
  const override = storedOverride(org);
  return { override, effective: effectiveLoginPolicy(instancePolicy, override as LoginPolicyOverride | null) };
}

const TAG = 'Organizations';

export const loginPolicyRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary: "The org's login policy override and the effective policy",
    permission: 'policy.read',
    on: ORG,
    response: loginPolicyView,
    handler: async ({ target, tenant }) => toPolicyView(target, tenant.instance.loginPolicy as LoginPolicyOverride),
  }),
  route({
    method: 'put',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary:
      "Replace the org's override of the instance login policy; a value the login cannot honour yet is refused " +
      '(400 naming the field: passwordlessType "allowed", allowExternalIdp, ' +
      'second factors other than totp and recovery_codes, multiFactors). Lifetimes are in seconds.',
    permission: 'policy.write',
    on: ORG,
    body: loginPolicyOverride,
    response: loginPolicyView,
    handler: async ({ target, body, actor, tenant }) =>
      toPolicyView(
        await setOrgLoginPolicy(actor, target, body as LoginPolicyOverride),
        tenant.instance.loginPolicy as LoginPolicyOverride,
      ),
  }),
  route({
    method: 'delete',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary: 'Drop the override: the org inherits the instance login policy again',
    permission: 'policy.delete',
    on: ORG,
    response: null,
    handler: async ({ target, actor }) => {
      await setOrgLoginPolicy(actor, target, null);
    },
  }),
];
