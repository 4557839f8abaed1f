import { z } from 'zod';
import { setOrgLoginPolicy } from '../../domain/commands/orgs.ts';
import { setInstanceLoginPolicy } from '../../domain/commands/login-policies.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../../domain/rules/login-policy.ts';
import { policyWithOwnLogos, type BrandingOwner } from '../../domain/rules/branding-logos.ts';
import {
  BRANDING_COLORS,
  MULTI_FACTOR_TYPES,
  PASSWORDLESS_TYPES,
  SECOND_FACTOR_TYPES,
} from '../../store/models/login-policy.ts';
import { INSTANCE, ORG } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb color');
/** Seconds, at most a year. */
const lifetime = z.number().int().min(0).max(31_536_000);
const secondFactor = z.enum(SECOND_FACTOR_TYPES);
const multiFactor = z.enum(MULTI_FACTOR_TYPES);
const passwordlessType = z.enum(PASSWORDLESS_TYPES);

type ColorShape<T> = Record<(typeof BRANDING_COLORS)[number], T>;
const colors = <T extends z.ZodType>(schema: T) =>
  Object.fromEntries(BRANDING_COLORS.map((field) => [field, schema])) as ColorShape<T>;

/**
 * The name and colours pages wear (ZITADEL's label policy): in a login policy, and the instance's defaults. The
 * `…Dark` colours apply where the browser prefers a dark colour scheme; one left unset is inherited as the light
 * ones are (org, instance, then the built-in dark colour, domain/rules/login-policy.ts).
 */
export const brandingOverride = z.strictObject({
  displayName: z.string().max(200).optional(),
  ...colors(hexColor.optional()),
});
export const brandingView = z.object({
  displayName: z.string().nullable(),
  ...colors(z.string()),
  /** The images it wears (its own, else the instance's), set through `…/branding/{logo,logo-dark,icon,icon-dark}`. */
  logoUrl: z.string().nullable(),
  logoDarkUrl: z.string().nullable(),
  iconUrl: z.string().nullable(),
  iconDarkUrl: z.string().nullable(),
});

/**
 * An org's override of the instance login policy: every field optional, absent means inherited. Values the login
 * cannot honour yet are refused with 400 naming the field (domain/rules/login-policy-support.ts).
 */
export const loginPolicyOverride = z.strictObject({
  allowUsernamePassword: z.boolean().optional(),
  passwordlessType: passwordlessType.optional(),
  allowRegister: z.boolean().optional(),
  allowExternalIdp: z.boolean().optional(),
  idps: z.array(z.string().min(1).max(40)).max(50).optional(),
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
  requireEmailVerification: z.boolean().optional(),
  userLoginMustBeDomain: z.boolean().optional(),
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
  passwordAge: z
    .strictObject({
      maxAgeDays: z.number().int().min(0).max(3650).optional(),
      expireWarnDays: z.number().int().min(0).max(3650).optional(),
    })
    .optional(),
  branding: brandingOverride.optional(),
});

const booleanFlag = z.boolean();
export const loginPolicyView = z.object({
  override: loginPolicyOverride.nullable(),
  effective: z.object({
    allowUsernamePassword: booleanFlag,
    passwordlessType,
    allowRegister: booleanFlag,
    allowExternalIdp: booleanFlag,
    idps: z.array(z.string()),
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
    requireEmailVerification: booleanFlag,
    userLoginMustBeDomain: booleanFlag,
    passwordComplexity: z.object({
      minLength: z.number(),
      requireUppercase: booleanFlag,
      requireLowercase: booleanFlag,
      requireNumber: booleanFlag,
      requireSymbol: booleanFlag,
    }),
    lockout: z.object({ maxPasswordAttempts: z.number(), maxOtpAttempts: z.number() }),
    passwordAge: z.object({ maxAgeDays: z.number(), expireWarnDays: z.number() }),
    branding: brandingView,
  }),
});

/** Drops the nulls and empty objects mongoose keeps for unset parts of a stored policy (lists are kept). */
function storedPolicy(policy: unknown): z.output<typeof loginPolicyOverride> | null {
  if (!policy) return null;
  const clean = (value: unknown): unknown => {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const entries = Object.entries(value)
      .map(([key, inner]) => [key, clean(inner)] as const)
      .filter(([, inner]) => inner !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  };
  return (clean(policy) as z.output<typeof loginPolicyOverride> | undefined) ?? {};
}

/** The instance, whose issuer the logos' URLs are under. */
type BrandedInstance = BrandingOwner & { issuer: string };

/** The stored policy with the owner's logos' URLs in its branding: the effective policy reports them. */
const withLogos = (instance: BrandedInstance, owner: BrandingOwner) =>
  policyWithOwnLogos(instance.issuer, owner, storedPolicy(owner.loginPolicy));

/** An org's override (null: none) and the policy the login applies in the org. */
function orgPolicyView(instance: BrandedInstance, org: BrandingOwner): z.input<typeof loginPolicyView> {
  return {
    override: storedPolicy(org.loginPolicy),
    effective: effectiveLoginPolicy(withLogos(instance, instance), withLogos(instance, org)),
  };
}

/** The instance's own policy (its fields over the built-in defaults) and the policy orgs without an override get. */
export function instancePolicyView(instance: BrandedInstance): z.input<typeof loginPolicyView> {
  return {
    override: storedPolicy(instance.loginPolicy) ?? {},
    effective: effectiveLoginPolicy(withLogos(instance, instance), null),
  };
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
    handler: async ({ target, tenant }) => orgPolicyView(tenant.instance, target),
  }),
  route({
    method: 'put',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary:
      "Replace the org's override of the instance login policy; a value the login cannot honour is refused " +
      '(400 naming the field: idps the org cannot offer, otp_sms among the second factors, for want of an SMS ' +
      'provider). Lifetimes are in seconds.',
    permission: 'policy.write',
    on: ORG,
    body: loginPolicyOverride,
    response: loginPolicyView,
    handler: async ({ target, body, actor, tenant }) =>
      orgPolicyView(tenant.instance, await setOrgLoginPolicy(actor, target, body as LoginPolicyOverride)),
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
  route({
    method: 'get',
    path: '/instance/login-policy',
    tag: 'Instance',
    summary: "The instance's login policy (its own fields, the rest built-in defaults), which orgs inherit",
    permission: 'iam.policy.read',
    on: INSTANCE,
    response: loginPolicyView,
    handler: async ({ tenant }) => instancePolicyView(tenant.instance),
  }),
  route({
    method: 'put',
    path: '/instance/login-policy',
    tag: 'Instance',
    summary:
      "Replace the instance's login policy, the default of every org without an override; a field left out is the " +
      'built-in default. Refuses what the org route refuses, with 400 naming the field.',
    permission: 'iam.policy.write',
    on: INSTANCE,
    body: loginPolicyOverride,
    response: loginPolicyView,
    handler: async ({ body, actor, tenant }) =>
      instancePolicyView({
        ...tenant.instance,
        loginPolicy: await setInstanceLoginPolicy(actor, body as LoginPolicyOverride),
      }),
  }),
];
