import { MULTI_FACTOR_TYPES, PASSWORDLESS_TYPES, SECOND_FACTOR_TYPES } from '../../store/models/login-policy.ts';
import { checked, list, text } from './forms.ts';
import { DomainError } from '../../domain/errors.ts';
import { HttpError } from '../middleware/errors.ts';
import { renderConsole, type Console, type ConsolePage, type Params } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';

/** The policy's yes/no settings, by the API's field names (api/login-policy.ts loginPolicyOverride). */
const FLAGS = [
  ['allowUsernamePassword', 'Users may sign in with username and password'],
  ['allowRegister', 'Users may register themselves'],
  ['allowExternalIdp', 'Users may sign in with an external identity provider'],
  ['allowDomainDiscovery', 'A login name’s domain may lead to its organization or identity provider'],
  ['forceMfa', 'A second factor is required'],
  ['forceMfaLocalOnly', '…only for users signing in with a password here (not through an identity provider)'],
  ['hidePasswordReset', 'Hide “forgot password”'],
  ['ignoreUnknownUsernames', 'Do not reveal whether a login name exists'],
  ['disableLoginWithEmail', 'Users may not sign in with their email address'],
  ['requireEmailVerification', 'The email address must be verified before signing in'],
  ['userLoginMustBeDomain', 'Login names carry the organization’s domain'],
] as const;
const LIFETIMES = [
  ['passwordCheckLifetime', 'Password check valid for (seconds)'],
  ['secondFactorCheckLifetime', 'Second factor check valid for (seconds)'],
  ['multiFactorCheckLifetime', 'Multi-factor check valid for (seconds)'],
  ['mfaInitSkipLifetime', 'Asking to set up a second factor again after skipping (seconds)'],
] as const;
const GROUPS = {
  passwordComplexity: {
    numbers: ['minLength'],
    flags: ['requireUppercase', 'requireLowercase', 'requireNumber', 'requireSymbol'],
  },
  lockout: { numbers: ['maxPasswordAttempts', 'maxOtpAttempts'], flags: [] },
  passwordAge: { numbers: ['maxAgeDays', 'expireWarnDays'], flags: [] },
} as const;

/** A number field: left out when empty (the default applies); what is not a number goes as typed, for a 400. */
function number(form: URLSearchParams, name: string): number | string | undefined {
  const value = text(form, name);
  return value === undefined || !/^\d+$/.test(value) ? value : Number(value);
}

/**
 * The whole policy from the form. PUT replaces the stored policy, so the branding (edited elsewhere, not on this
 * form) is sent back as stored; the field names are the API's leaf names, so its 400s land next to their fields.
 */
function policyOf(form: URLSearchParams, branding: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {
    passwordlessType: form.get('passwordlessType') ?? '',
    idps: list(form, 'idps'),
    secondFactors: list(form, 'secondFactors'),
    multiFactors: list(form, 'multiFactors'),
  };
  for (const [name] of FLAGS) body[name] = checked(form, name);
  for (const [name] of LIFETIMES) body[name] = number(form, name);
  for (const [group, fields] of Object.entries(GROUPS)) {
    const values: Record<string, unknown> = {};
    for (const name of fields.numbers) values[name] = number(form, name);
    for (const name of fields.flags) values[name] = checked(form, name);
    body[group] = values;
  }
  if (branding) body.branding = branding;
  return body;
}

interface PolicyView {
  override: Record<string, unknown> | null;
  effective: Record<string, unknown>;
}
interface Idp {
  id: string;
  name: string;
}

interface PolicyScope {
  /** The console path, and the API's path of the policy (GET, PUT; DELETE resets an org's to the instance's). */
  path: string;
  api: string;
  frame(c: Console, params: Params): Promise<{ title: string } & Record<string, unknown>>;
  /** The lists of identity providers the policy may offer: the API route, and the page's offset of each. */
  idpLists: IdpList[];
  reset?: { route: string; label: string };
}

interface IdpList {
  route: string;
  label: string;
  offsetParam: string;
}

/** The name of an offered IdP where the manager may read it (it is in one of the lists), else null. */
async function idpNameOf(c: Console, lists: IdpList[], params: Params, idpId: string): Promise<string | null> {
  for (const { route } of lists) {
    const one = { ...params, idpId };
    if (!(await c.allows(`${route}/{idpId}`, one))) continue;
    try {
      return (await c.call<Idp>(`${route}/{idpId}`, one)).name;
    } catch (error) {
      if (!(error instanceof HttpError || error instanceof DomainError)) throw error;
    }
  }
  return null;
}

/**
 * The IdPs to choose from: a page of each list the manager may read (each on its own offset), and every IdP the policy
 * offers already (at most 50, api/login-policy.ts), so a save keeps or drops each offered one knowingly.
 */
async function idpChoices(c: Console, scope: PolicyScope, params: Params, offered: string[]) {
  const choices: Array<{ value: string; label: string }> = [];
  const pagers = [];
  for (const list of scope.idpLists) {
    if (!(await c.allows(list.route, params))) continue;
    const { rows, paging } = await pageOf(c, list.route, params, (found) => found.idps as Idp[], {
      offsetParam: list.offsetParam,
    });
    choices.push(...rows.map((idp) => ({ value: idp.id, label: idp.name })));
    pagers.push({ label: list.label, paging });
  }
  const listed = new Set(choices.map((choice) => choice.value));
  for (const id of offered.filter((offeredId) => !listed.has(offeredId)))
    choices.push({ value: id, label: (await idpNameOf(c, scope.idpLists, params, id)) ?? id });
  return { choices, pagers, paged: pagers.some(({ paging }) => paging.previous || paging.next) };
}

/** A login policy as a form over the API's GET and PUT (issue 18); read-only where PUT would be refused. */
function loginPolicyPage(scope: PolicyScope): ConsolePage {
  const params = (c: Console) => c.ctx.params as Params;
  const here = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '');
  return {
    path: scope.path,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c));
      const policy = await c.call<PolicyView>(`GET ${scope.api}`, params(c));
      await renderConsole(
        c,
        'login-policy.njk',
        {
          ...frame,
          policy: policy.effective,
          overridden: policy.override !== null,
          form,
          flags: FLAGS.map(([value, label]) => ({ value, label })),
          lifetimes: LIFETIMES.map(([value, label]) => ({ value, label })),
          secondFactors: SECOND_FACTOR_TYPES.map((value) => ({ value, label: value })),
          multiFactors: MULTI_FACTOR_TYPES.map((value) => ({ value, label: value })),
          passwordlessTypes: PASSWORDLESS_TYPES.map((value) => ({ value, label: value })),
          ...(await idpChoices(c, scope, params(c), policy.effective.idps as string[])),
          canWrite: await c.allows(`PUT ${scope.api}`, params(c)),
          reset: scope.reset && (await c.allows(scope.reset.route, params(c))) ? scope.reset.label : null,
        },
        status,
      );
    },
    actions: {
      save: {
        route: `PUT ${scope.api}`,
        body: async (form, c) => {
          const { override } = await c.call<PolicyView>(`GET ${scope.api}`, params(c));
          return policyOf(form, override?.branding);
        },
        done: here,
      },
      ...(scope.reset ? { reset: { route: scope.reset.route, done: here, flash: 'reset' } } : {}),
    },
  };
}

export const loginPolicyPages: ConsolePage[] = [
  loginPolicyPage({
    path: '/orgs/:orgId/login-policy',
    api: '/orgs/{orgId}/login-policy',
    async frame(c, params) {
      const frame = await orgFrame(c, params.orgId!);
      return { title: `Login policy of ${frame.org.name}`, ...frame };
    },
    idpLists: [
      { route: 'GET /idps', label: 'Instance identity providers', offsetParam: 'instanceIdpsOffset' },
      { route: 'GET /orgs/{orgId}/idps', label: 'Organization identity providers', offsetParam: 'orgIdpsOffset' },
    ],
    reset: { route: 'DELETE /orgs/{orgId}/login-policy', label: 'Reset to the instance’s policy' },
  }),
  loginPolicyPage({
    path: '/instance/login-policy',
    api: '/instance/login-policy',
    frame: async (c) => ({ title: `Login policy of ${c.tenant.instance.name}` }),
    idpLists: [{ route: 'GET /idps', label: 'Identity providers', offsetParam: 'idpsOffset' }],
  }),
];
