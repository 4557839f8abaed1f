import { brandingFrom, contrastWarnings } from '../../domain/rules/branding.ts';
import type { LoginPolicy } from '../../domain/rules/login-policy.ts';
import { renderView } from '../../platform/templates.ts';
import { loginPolicyOverride } from '../api/login-policy.ts';
import { parseWith } from '../api/run.ts';
import { text } from './forms.ts';
import { ACCEPTED_IMAGE_TYPES, logoActions, logosSection } from './branding-logos.ts';
import { instanceTabs } from './instance-tabs.ts';
import { formErrorOf, renderConsole, type Console, type ConsolePage, type FormState, type Params } from './kit.ts';
import { orgFrame } from './org-tabs.ts';

/**
 * What the login policy API stores of the branding (api/login-policy.ts): a display name and ZITADEL's label policy
 * colours, four for the light colour scheme and the same four for the dark one.
 */
const COLOUR_LABELS = [
  ['primaryColor', 'Primary colour (buttons)'],
  ['backgroundColor', 'Background colour'],
  ['warnColor', 'Warn colour (error messages)'],
  ['fontColor', 'Text colour on the background'],
] as const;
const SCHEMES = [
  { suffix: '', legend: 'Light colour scheme', scheme: 'light', labelEnd: '' },
  { suffix: 'Dark', legend: 'Dark colour scheme (where the browser prefers dark)', scheme: 'dark', labelEnd: ', dark' },
] as const;
const COLOUR_GROUPS = SCHEMES.map(({ suffix, legend, labelEnd }) => ({
  legend,
  colours: COLOUR_LABELS.map(([field, label]) => ({ value: `${field}${suffix}`, label: `${label}${labelEnd}` })),
}));
const COLOURS = COLOUR_GROUPS.flatMap((group) => group.colours.map(({ value }) => value));
const brandingSchema = loginPolicyOverride.shape.branding.unwrap();
type BrandingInput = NonNullable<LoginPolicy['branding']>;

interface PolicyView {
  override: Record<string, unknown> | null;
  effective: LoginPolicy;
}

/**
 * The branding as typed: an empty display name means none (the org's or instance's name is shown); a colour the form
 * did not send is left out (inherited), one sent empty is refused as the API refuses it.
 */
function typedBranding(form: URLSearchParams): Record<string, string | undefined> {
  return {
    displayName: text(form, 'displayName'),
    ...Object.fromEntries(COLOURS.map((name) => [name, form.get(name) ?? undefined])),
  };
}

/**
 * The login page as it would look with this branding in one colour scheme (pinned, whatever the browser prefers),
 * rendered here for an `<iframe srcdoc sandbox>`: the console carries no script, so the preview is a form post that
 * renders the page again. A srcdoc document inherits the console page's Content-Security-Policy (its nonce too), and
 * the empty sandbox gives it an opaque origin with no script and no form submission, so nothing in it can act.
 */
function loginPreview(
  c: Console,
  policy: LoginPolicy,
  branding: BrandingInput,
  ownerName: string,
  scheme: 'light' | 'dark',
): string {
  return renderView(c.ctx.res, 'login-name.njk', {
    scheme,
    title: 'Sign in',
    branding: brandingFrom({ ...policy, branding }, ownerName),
    uid: 'preview',
    csrf: '',
    loginName: '',
    error: null,
    passwordLoginAllowed: policy.allowUsernamePassword,
    registerOffered: policy.allowRegister,
    idpButtons: [],
  });
}

/** The preview's branding: what was typed when it is valid (its errors otherwise, next to the fields), else stored. */
function previewOf(stored: BrandingInput, form: FormState | undefined) {
  if (form?.action !== 'preview') return { branding: stored, form };
  const typed = typedBranding(new URLSearchParams(form.values as Record<string, string>));
  try {
    const checked = parseWith(brandingSchema, typed);
    const given = Object.fromEntries(Object.entries(checked).filter(([, value]) => value !== undefined));
    return { branding: { ...stored, ...given, displayName: checked.displayName ?? null }, form, previewed: true };
  } catch (error) {
    return { branding: stored, form: formErrorOf(error, 'preview', form.values) };
  }
}

interface BrandingScope {
  path: string;
  /** The API's path of the login policy the branding is part of. */
  api: string;
  /** The API's path of the branding's logos. */
  logosApi: string;
  frame(c: Console, params: Params): Promise<{ title: string; ownerName: string } & Record<string, unknown>>;
  /** Only an org's branding can fall back to one above it (the instance's). */
  resettable: boolean;
}

function brandingPage(scope: BrandingScope): ConsolePage {
  const params = (c: Console) => c.ctx.params as Params;
  const here = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '');
  /** PUT replaces the whole policy: the rest of the stored override goes back as it is. */
  const withBranding = async (c: Console, branding: unknown) => {
    const { override } = await c.call<PolicyView>(`GET ${scope.api}`, params(c));
    return { ...override, branding };
  };
  return {
    path: scope.path,
    previews: ['preview'],
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c));
      const policy = await c.call<PolicyView>(`GET ${scope.api}`, params(c));
      const canWrite = await c.allows(`PUT ${scope.api}`, params(c));
      const shown = previewOf(policy.effective.branding, canWrite ? form : undefined);
      const ownBranding = Boolean(policy.override?.branding);
      const logos = await logosSection(c, scope.logosApi, params(c));
      await renderConsole(
        c,
        'branding.njk',
        {
          ...frame,
          // Not `branding`: the layout wears that one (the stored branding of the page's org).
          edited: shown.branding,
          form: shown.form,
          previewed: shown.previewed,
          colourGroups: COLOUR_GROUPS,
          warnings: contrastWarnings(shown.branding),
          previews: SCHEMES.map(({ scheme }) => ({
            scheme,
            html: loginPreview(c, policy.effective, shown.branding, frame.ownerName, scheme),
          })),
          canWrite,
          inherited: scope.resettable && !ownBranding,
          canReset: scope.resettable && ownBranding && canWrite,
          logos,
          acceptedImageTypes: ACCEPTED_IMAGE_TYPES,
        },
        status ?? (shown.form?.errors && Object.keys(shown.form.errors).length ? 400 : 200),
      );
    },
    actions: {
      ...logoActions(scope.logosApi, here),
      save: {
        route: `PUT ${scope.api}`,
        body: (form, c) => withBranding(c, typedBranding(form)),
        done: here,
      },
      ...(scope.resettable
        ? {
            reset: {
              route: `PUT ${scope.api}`,
              body: (_form, c) => withBranding(c, undefined),
              done: here,
              flash: 'reset',
            },
          }
        : {}),
    },
  };
}

export const brandingPages: ConsolePage[] = [
  brandingPage({
    path: '/orgs/:orgId/branding',
    api: '/orgs/{orgId}/login-policy',
    logosApi: '/orgs/{orgId}/branding',
    async frame(c, params) {
      const frame = await orgFrame(c, params.orgId!);
      return { title: `Branding of ${frame.org.name}`, ownerName: frame.org.name, ...frame };
    },
    resettable: true,
  }),
  brandingPage({
    path: '/instance/branding',
    api: '/instance/login-policy',
    logosApi: '/instance/branding',
    frame: async (c) => ({
      title: `Branding of ${c.tenant.instance.name}`,
      ownerName: c.tenant.instance.name,
      tabs: await instanceTabs((route) => c.allows(route)),
      tabsLabel: 'Instance settings',
    }),
    resettable: false,
  }),
];
