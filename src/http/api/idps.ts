import { z } from 'zod';
import {
  changeIdentityProvider,
  createIdentityProvider,
  removeIdentityProvider,
  type IdpInput,
} from '../../domain/commands/identity-providers.ts';
import { protocolOf, PROTOCOL_TYPES } from '../../domain/federation/index.ts';
import { PROVIDER_TEMPLATES } from '../../domain/federation/templates.ts';
import { instanceContext, orgContext } from '../../domain/rules/resource-context.ts';
import { notFound } from '../../domain/errors.ts';
import type { IdentityProviderDocument } from '../../store/models/identity-provider.ts';
import { findIdentityProvider, listIdentityProviders } from '../../store/queries/identity-providers.ts';
import { INSTANCE, ORG, loadOrg } from './locators.ts';
import { route, type ApiRoute, type Locator } from './route.ts';
import { name, page } from './schemas.ts';

const TYPES = [...PROTOCOL_TYPES, ...Object.keys(PROVIDER_TEMPLATES)] as [string, ...string[]];
const attribute = z.string().min(1).max(200);

/** The configuration in the API: the protocol's settings in `settings` (validated per type, see `type`). */
const idpBody = z.strictObject({
  name,
  type: z.enum(TYPES),
  settings: z.record(z.string(), z.unknown()),
  options: z
    .strictObject({
      isCreationAllowed: z.boolean().optional(),
      isLinkingAllowed: z.boolean().optional(),
      isAutoCreation: z.boolean().optional(),
      isAutoUpdate: z.boolean().optional(),
      trustUpstreamAmr: z.boolean().optional(),
    })
    .optional(),
  mapping: z
    .strictObject({
      username: attribute.optional(),
      email: attribute.optional(),
      givenName: attribute.optional(),
      familyName: attribute.optional(),
      displayName: attribute.optional(),
      locale: attribute.optional(),
      trustEmailVerified: z.boolean().optional(),
    })
    .optional(),
});

const idpView = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  name: z.string(),
  type: z.string(),
  template: z.string().nullable(),
  settings: z.record(z.string(), z.unknown()),
  /** A template's own fields (its `type` in a replacement), read from `settings`; null for a generic provider. */
  templateSettings: z.record(z.string(), z.unknown()).nullable(),
  /** The secret fields that are set: their values are never returned. */
  secretsSet: z.array(z.string()),
  options: z.object({
    isCreationAllowed: z.boolean(),
    isLinkingAllowed: z.boolean(),
    isAutoCreation: z.boolean(),
    isAutoUpdate: z.boolean(),
    trustUpstreamAmr: z.boolean(),
  }),
  mapping: z.record(z.string(), z.unknown()),
  /** The URL to register at the upstream (redirect URI, SAML assertion consumer service). */
  callbackUrl: z.string(),
});

function toIdpView(idp: IdentityProviderDocument, issuer: string): z.input<typeof idpView> {
  const protocol = protocolOf(idp.type);
  const settings = idp.settings as Record<string, unknown>;
  const template = idp.template ? PROVIDER_TEMPLATES[idp.template] : undefined;
  return {
    id: idp._id,
    orgId: idp.orgId ?? null,
    name: idp.name,
    type: idp.type,
    template: idp.template ?? null,
    settings,
    templateSettings: template?.fieldsOf(settings) ?? null,
    secretsSet: Object.keys((idp.secrets ?? {}) as Record<string, string>),
    options: {
      isCreationAllowed: idp.options?.isCreationAllowed ?? true,
      isLinkingAllowed: idp.options?.isLinkingAllowed ?? true,
      isAutoCreation: idp.options?.isAutoCreation ?? false,
      isAutoUpdate: idp.options?.isAutoUpdate ?? false,
      trustUpstreamAmr: idp.options?.trustUpstreamAmr ?? false,
    },
    mapping: Object.fromEntries(Object.entries(idp.mapping ?? {}).filter(([, value]) => value !== undefined)),
    callbackUrl: `${issuer}${protocol?.callbackPath(idp._id) ?? ''}`,
  };
}

/** An instance-owned IdP of the path; an org's IdP is not found here. */
const INSTANCE_IDP: Locator<IdentityProviderDocument> = {
  name: 'INSTANCE_IDP',
  resource: 'instance',
  async locate({ actor, params }) {
    return {
      context: instanceContext,
      async target() {
        const idp = await findIdentityProvider(actor.instanceId, params.idpId ?? '', null);
        if (!idp) throw notFound();
        return idp;
      },
    };
  },
};

/** An IdP the org of the path owns. */
const ORG_IDP: Locator<IdentityProviderDocument> = {
  name: 'ORG_IDP',
  resource: 'org',
  async locate({ actor, params }) {
    const org = await loadOrg(actor, params);
    return {
      context: orgContext(org._id),
      async target() {
        const idp = await findIdentityProvider(actor.instanceId, params.idpId ?? '', org._id);
        if (!idp) throw notFound();
        return idp;
      },
    };
  },
};

const SETTINGS_HELP =
  'type: oidc (issuer, clientId, clientSecret or clientAuth private_key_jwt with privateKeyJwk, scopes, usePkce, ' +
  'claimsFrom id_token|userinfo), oauth (authorizationEndpoint, tokenEndpoint, userEndpoint, clientId, clientSecret, ' +
  'scopes, idAttribute), or a template: azure-ad (tenant), google, okta (domain, authorizationServerId), keycloak ' +
  '(baseUrl, realm), github, each with clientId and clientSecret. Secret fields are encrypted and never returned; ' +
  'left out of a replacement, the stored ones are kept. A provider made from a template is replaced through that ' +
  'template (its type and fields, as `templateSettings` shows them); a generic oidc one may become a template';

/** The five routes of one owner's IdPs: the instance's (`/idps`) or an org's (`/orgs/{orgId}/idps`). */
function idpRoutes(spec: {
  base: string;
  tag: string;
  permissionPrefix: 'iam.idp' | 'org.idp';
  owner: Locator<unknown>;
  one: Locator<IdentityProviderDocument>;
  ownerId: (target: unknown) => string | null;
}): ApiRoute[] {
  const { base, tag, permissionPrefix, one } = spec;
  const single = `${base}/{idpId}`;
  return [
    route({
      method: 'get',
      path: base,
      tag,
      summary: 'The identity providers owned here (secrets never returned)',
      permission: `${permissionPrefix}.read`,
      on: spec.owner,
      query: page,
      response: z.object({ idps: z.array(idpView) }),
      handler: async ({ actor, target, query, tenant }) => ({
        idps: (await listIdentityProviders(actor.instanceId, spec.ownerId(target), query)).map((idp) =>
          toIdpView(idp, tenant.instance.issuer),
        ),
      }),
    }),
    route({
      method: 'post',
      path: base,
      tag,
      summary: `Add an identity provider. ${SETTINGS_HELP}`,
      permission: `${permissionPrefix}.write`,
      on: spec.owner,
      body: idpBody,
      response: idpView,
      status: 201,
      handler: async ({ actor, target, body, services, tenant }) =>
        toIdpView(
          await createIdentityProvider(actor, services.masterKey, spec.ownerId(target), body as IdpInput),
          tenant.instance.issuer,
        ),
    }),
    route({
      method: 'get',
      path: single,
      tag,
      summary: 'One identity provider (secrets never returned)',
      permission: `${permissionPrefix}.read`,
      on: one,
      response: idpView,
      handler: async ({ target, tenant }) => toIdpView(target, tenant.instance.issuer),
    }),
    route({
      method: 'put',
      path: single,
      tag,
      summary: `Replace an identity provider's configuration (same protocol). ${SETTINGS_HELP}`,
      permission: `${permissionPrefix}.write`,
      on: one,
      body: idpBody,
      response: idpView,
      handler: async ({ actor, target, body, services, tenant }) =>
        toIdpView(
          await changeIdentityProvider(actor, services.masterKey, target, body as IdpInput),
          tenant.instance.issuer,
        ),
    }),
    route({
      method: 'delete',
      path: single,
      tag,
      summary: 'Remove an identity provider, the links of its users and its place in login policies',
      permission: `${permissionPrefix}.delete`,
      on: one,
      response: null,
      handler: async ({ actor, target }) => removeIdentityProvider(actor, target),
    }),
  ];
}

export const identityProviderRoutes: ApiRoute[] = [
  ...idpRoutes({
    base: '/idps',
    tag: 'Instance',
    permissionPrefix: 'iam.idp',
    owner: INSTANCE as Locator<unknown>,
    one: INSTANCE_IDP,
    ownerId: () => null,
  }),
  ...idpRoutes({
    base: '/orgs/{orgId}/idps',
    tag: 'Organizations',
    permissionPrefix: 'org.idp',
    owner: ORG as Locator<unknown>,
    one: ORG_IDP,
    ownerId: (target) => (target as { _id: string })._id,
  }),
];
