import { PROVIDER_TEMPLATES } from '../../domain/federation/templates.ts';
import { instanceFrame } from './instance-settings.ts';
import {
  IDP_KINDS,
  IDP_OPTIONS,
  MAPPING_FIELDS,
  TRUST_EMAIL_VERIFIED,
  idpBody,
  idpFormValues,
  mappingFormValues,
  type StoredIdp,
} from './idp-fields.ts';
import { renderConsole, type Console, type ConsolePage, type FormState, type Params } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';
import { removalPage } from './confirm-removal.ts';

interface IdpView {
  id: string;
  name: string;
  type: string;
  template: string | null;
  settings: Record<string, unknown>;
  templateSettings: Record<string, unknown> | null;
  secretsSet: string[];
  options: Record<string, boolean>;
  mapping: Record<string, unknown>;
  callbackUrl: string;
}
interface PolicyView {
  override: Record<string, unknown> | null;
  effective: { idps: string[] };
}

interface IdpScope {
  /** The console path of the list, and the API's paths of the IdPs and of the login policy that offers them. */
  path: string;
  api: string;
  policy: string;
  frame(c: Console, params: Params): Promise<{ title: string } & Record<string, unknown>>;
}

const SECRET_FIELDS = new Set(
  Object.values(IDP_KINDS).flatMap((kind) => kind.fields.filter((field) => field.kind === 'secret').map((f) => f.name)),
);
/** A secret typed is never shown again, not even after a refused save. */
const withoutSecrets = (form: FormState | undefined) =>
  form && {
    ...form,
    values: Object.fromEntries(Object.entries(form.values).filter(([name]) => !SECRET_FIELDS.has(name))),
  };
const consolePath = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '');

/** The kind a stored IdP is edited as: its template (only the template's own fields), else its protocol. */
const kindOf = (idp: IdpView) => idp.template ?? idp.type;
const storedOf = (idp: IdpView): StoredIdp => ({
  settings: idp.templateSettings ?? idp.settings,
  mapping: idp.mapping,
});
/** The mapping's errors by the form's names (`mapping.email`), apart from the SAML attribute lists' (`email`). */
const mappingErrorField = (path: string) => (path.startsWith('mapping.') ? path : undefined);

function idpPages(scope: IdpScope): ConsolePage[] {
  const params = (c: Console) => c.ctx.params as Params;
  const listPath = (c: Console) => consolePath(c).replace(/\/idps(\/.*)?$/, '/idps');
  /** The login policy with this IdP offered or not; PUT replaces the policy, so the rest goes back as stored. */
  const offering = async (c: Console, form: URLSearchParams, offer: boolean) => {
    const id = form.get('idpId') ?? '';
    const { override, effective } = await c.call<PolicyView>(`GET ${scope.policy}`, params(c));
    const others = effective.idps.filter((offered) => offered !== id);
    return { ...override, idps: offer ? [...others, id] : others };
  };
  const list: ConsolePage = {
    path: scope.path,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c));
      const { rows: idps, paging } = await pageOf(c, `GET ${scope.api}`, params(c), (found) => found.idps as IdpView[]);
      const policyReadable = await c.allows(`GET ${scope.policy}`, params(c));
      const offered = policyReadable ? (await c.call<PolicyView>(`GET ${scope.policy}`, params(c))).effective.idps : [];
      await renderConsole(
        c,
        'idps.njk',
        {
          ...frame,
          idps: idps.map((idp) => ({ ...idp, kind: IDP_KINDS[kindOf(idp)]?.label ?? idp.type })),
          paging,
          offered,
          policyReadable,
          kinds: Object.entries(IDP_KINDS).map(([value, kind]) => ({ value, label: kind.label })),
          form,
          can: {
            create: await c.allows(`POST ${scope.api}`, params(c)),
            offer: await c.allows(`PUT ${scope.policy}`, params(c)),
            remove: await c.allows(`DELETE ${scope.api}/{idpId}`, { ...params(c), idpId: '-' }),
          },
        },
        status,
      );
    },
    actions: {
      offer: {
        route: `PUT ${scope.policy}`,
        body: (form, c) => offering(c, form, true),
        done: listPath,
        flash: 'offered',
      },
      withdraw: {
        route: `PUT ${scope.policy}`,
        body: (form, c) => offering(c, form, false),
        done: listPath,
        flash: 'withdrawn',
      },
    },
  };

  /** The settings form of one kind: a new IdP (`?type=`), or a stored one prefilled (secrets never). */
  const renderForm = async (c: Console, type: string, idp: IdpView | null, form?: FormState, status?: number) => {
    const frame = await scope.frame(c, params(c));
    const kind = IDP_KINDS[type];
    await renderConsole(
      c,
      'idp.njk',
      {
        ...frame,
        title: idp ? `${idp.name} (${kind?.label ?? type})` : `Add an identity provider: ${kind?.label ?? type}`,
        idp,
        type,
        fields: kind?.fields ?? [],
        options: IDP_OPTIONS.map(([value, label]) => ({ value, label })),
        mappingFields: MAPPING_FIELDS,
        trustEmailVerified: TRUST_EMAIL_VERIFIED,
        values: idp
          ? { name: idp.name, ...idpFormValues(type, storedOf(idp)), ...idp.options }
          : { usePkce: true, signRequests: true, ...mappingFormValues({ ...PROVIDER_TEMPLATES[type]?.mapping }) },
        form: withoutSecrets(form),
        canWrite: await c.allows(idp ? `PUT ${scope.api}/{idpId}` : `POST ${scope.api}`, params(c)),
        listUrl: `/ui/console${listPath(c)}`,
      },
      status,
    );
  };
  const create: ConsolePage = {
    path: `${scope.path}/new`,
    render: (c, form, status) =>
      renderForm(c, String(form?.values.type ?? c.ctx.query.type ?? 'oidc'), null, form, status),
    errorField: mappingErrorField,
    actions: {
      create: {
        route: `POST ${scope.api}`,
        body: (form) => idpBody(form.get('type') ?? '', form),
        done: (c, result) => `${listPath(c)}/${(result as IdpView).id}`,
      },
    },
  };
  const edit: ConsolePage = {
    path: `${scope.path}/:idpId`,
    async render(c, form, status) {
      const idp = await c.call<IdpView>(`GET ${scope.api}/{idpId}`, params(c));
      await renderForm(c, kindOf(idp), idp, form, status);
    },
    errorField: mappingErrorField,
    actions: {
      save: {
        route: `PUT ${scope.api}/{idpId}`,
        body: async (form, c) => {
          const idp = await c.call<IdpView>(`GET ${scope.api}/{idpId}`, params(c));
          return idpBody(kindOf(idp), form, storedOf(idp));
        },
        done: (c) => consolePath(c),
      },
    },
  };
  const remove = removalPage({
    path: `${scope.path}/:idpId/remove`,
    route: `DELETE ${scope.api}/{idpId}`,
    frame: (c, owner) => scope.frame(c, owner),
    nameOf: async (c, owner) => (await c.call<IdpView>(`GET ${scope.api}/{idpId}`, owner)).name,
    cascade: [
      'its users’ links to it: they can no longer sign in through it',
      'its place on the login page of every login policy that offers it',
    ],
  });
  return [list, create, edit, remove];
}

export const identityProviderPages: ConsolePage[] = [
  ...idpPages({
    path: '/orgs/:orgId/idps',
    api: '/orgs/{orgId}/idps',
    policy: '/orgs/{orgId}/login-policy',
    async frame(c, params) {
      const frame = await orgFrame(c, params.orgId!);
      return { title: `Identity providers of ${frame.org.name}`, ...frame };
    },
  }),
  ...idpPages({
    path: '/instance/idps',
    api: '/idps',
    policy: '/instance/login-policy',
    frame: (c) => instanceFrame(c, `Identity providers of ${c.tenant.instance.name}`),
  }),
];
