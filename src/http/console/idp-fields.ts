import { NAME_ID_FORMATS as NAME_ID_FORMAT_URIS, type AttributeField } from '../../domain/federation/saml-settings.ts';
import { checked, lines, numberOrNull, text } from './forms.ts';

// The settings fields of each kind of identity provider, as POST/PUT /idps take them (api/idps.ts SETTINGS_HELP, the
// protocols' schemas in domain/federation/): what a form shows and how it becomes the API's `settings`.

interface IdpField {
  name: string;
  label: string;
  /** `lines`: a list, one value per line; `number`: an integer, sent as typed when it is not one (the API refuses). */
  kind: 'text' | 'secret' | 'scopes' | 'checkbox' | 'textarea' | 'select' | 'lines' | 'number';
  options?: Array<{ value: string; label: string }>;
  hint?: string;
  /** The settings object the field belongs to (`attributeMapping` of SAML), else the settings themselves. */
  within?: string;
}

const choices = (...values: string[]) => values.map((value) => ({ value, label: value }));

const clientId: IdpField = { name: 'clientId', label: 'Client ID', kind: 'text' };
const clientSecret: IdpField = { name: 'clientSecret', label: 'Client secret', kind: 'secret' };
const scopes: IdpField = { name: 'scopes', label: 'Scopes', kind: 'scopes', hint: 'Separated by spaces.' };
const credentials = [clientId, clientSecret];
/** Entra ID tenants that may sign in through a multi-tenant issuer (domain/federation/oidc.ts `allowedTenants`). */
const allowedTenants: IdpField = {
  name: 'allowedTenants',
  label: 'Tenants allowed to sign in',
  kind: 'lines',
  hint: 'One Entra ID tenant id per line, for the common or organizations endpoint; empty lets every tenant in.',
};
/** A template's client fields: the credentials and the scopes it asks for (empty: the template's own). */
const templateCredentials = [...credentials, { ...scopes, hint: 'Separated by spaces; empty asks for the usual.' }];

/** SAML 2.0 core §8.3's NameID formats the API takes (domain/federation/saml-settings.ts NAME_ID_FORMATS). */
const NAME_ID_FORMATS = Object.entries(NAME_ID_FORMAT_URIS).map(([label, value]) => ({ value, label }));

/**
 * Each user field, read from the first of these attributes the assertion carries; empty: the defaults, Entra ID's,
 * Okta's, Keycloak's and LDAP's names (DEFAULT_ATTRIBUTE_MAPPING).
 */
const attributeField = (name: AttributeField, label: string): IdpField => ({
  name,
  label: `${label} attributes`,
  kind: 'lines',
  within: 'attributeMapping',
  hint: 'One attribute name per line, the first the assertion carries wins; empty reads the usual names.',
});

const samlFields: IdpField[] = [
  { name: 'nameIdFormat', label: 'NameID format', kind: 'select', options: NAME_ID_FORMATS },
  {
    name: 'transientMappingAttribute',
    label: 'Attribute naming the user (with transient NameIDs)',
    kind: 'text',
    hint: 'Required with the transient format: its NameID changes at every login.',
  },
  { name: 'signRequests', label: 'Sign authentication requests', kind: 'checkbox' },
  { name: 'clockSkewSeconds', label: 'Clock skew allowed (seconds, at most 300)', kind: 'number' },
  attributeField('preferredUsername', 'Username'),
  attributeField('email', 'Email'),
  attributeField('givenName', 'Given name'),
  attributeField('familyName', 'Family name'),
  attributeField('displayName', 'Display name'),
  attributeField('locale', 'Language'),
];

const usePkce: IdpField = { name: 'usePkce', label: 'Use PKCE', kind: 'checkbox' };

export const IDP_KINDS: Record<string, { label: string; fields: IdpField[] }> = {
  oidc: {
    label: 'OpenID Connect',
    fields: [
      { name: 'issuer', label: 'Issuer URL', kind: 'text' },
      clientId,
      {
        name: 'clientAuth',
        label: 'Client authentication',
        kind: 'select',
        options: choices('client_secret_basic', 'client_secret_post', 'private_key_jwt'),
      },
      { ...clientSecret, hint: 'For client_secret_basic and client_secret_post.' },
      {
        name: 'privateKeyJwk',
        label: 'Private key (JWK, JSON)',
        kind: 'secret',
        hint: 'For private_key_jwt: the key Castellan signs its client assertion with (RFC 7523).',
      },
      scopes,
      usePkce,
      { name: 'claimsFrom', label: 'Read the claims from', kind: 'select', options: choices('id_token', 'userinfo') },
      allowedTenants,
    ],
  },
  oauth: {
    label: 'OAuth 2.0',
    fields: [
      { name: 'authorizationEndpoint', label: 'Authorization endpoint', kind: 'text' },
      { name: 'tokenEndpoint', label: 'Token endpoint', kind: 'text' },
      { name: 'userEndpoint', label: 'User endpoint', kind: 'text' },
      ...credentials,
      scopes,
      usePkce,
      { name: 'idAttribute', label: 'Attribute of the user’s id', kind: 'text' },
    ],
  },
  saml: {
    label: 'SAML 2.0',
    fields: [
      { name: 'metadataUrl', label: 'Metadata URL', kind: 'text', hint: 'Or paste the metadata below.' },
      { name: 'metadataXml', label: 'Metadata XML', kind: 'textarea' },
      { name: 'binding', label: 'Request binding', kind: 'select', options: choices('redirect', 'post') },
      ...samlFields,
    ],
  },
  google: { label: 'Google', fields: templateCredentials },
  github: { label: 'GitHub', fields: templateCredentials },
  'azure-ad': {
    label: 'Microsoft Entra ID',
    fields: [
      { name: 'tenant', label: 'Tenant (id, organizations or common)', kind: 'text' },
      ...templateCredentials,
      allowedTenants,
    ],
  },
  okta: {
    label: 'Okta',
    fields: [
      { name: 'domain', label: 'Okta domain', kind: 'text' },
      { name: 'authorizationServerId', label: 'Authorization server (optional)', kind: 'text' },
      ...templateCredentials,
    ],
  },
  keycloak: {
    label: 'Keycloak',
    fields: [
      { name: 'baseUrl', label: 'Base URL', kind: 'text' },
      { name: 'realm', label: 'Realm', kind: 'text' },
      ...templateCredentials,
    ],
  },
};

export const IDP_OPTIONS = [
  ['isCreationAllowed', 'Users may be created from this provider'],
  ['isLinkingAllowed', 'Existing users may link this provider'],
  ['isAutoCreation', 'Create the user without asking'],
  ['isAutoUpdate', 'Update the user’s profile at each login'],
  ['trustUpstreamAmr', 'Trust the provider’s report of how the user authenticated (a second factor there counts here)'],
] as const;

/**
 * The general attribute mapping (api/idps.ts `mapping`): which claim or attribute fills each user field, and whether
 * the provider's word that an email is verified is trusted. Named by the API's path, so its 400s land next to them.
 */
export const MAPPING_FIELDS = [
  ['username', 'Username'],
  ['email', 'Email'],
  ['givenName', 'Given name'],
  ['familyName', 'Family name'],
  ['displayName', 'Display name'],
  ['locale', 'Language'],
].map(([name, label]) => ({ name: `mapping.${name!}`, label: `${label!}: claim or attribute` }));
export const TRUST_EMAIL_VERIFIED = 'mapping.trustEmailVerified';

/** A stored configuration as the form edits it: the settings of its kind (a template's own fields), the mapping. */
export interface StoredIdp {
  settings: Record<string, unknown>;
  mapping: Record<string, unknown>;
}

/** A field's value as the API takes it, or undefined to leave it out (so the protocol's default applies). */
function valueOf(field: IdpField, form: URLSearchParams): unknown {
  switch (field.kind) {
    case 'checkbox':
      return checked(form, field.name);
    case 'scopes': {
      const list = (form.get(field.name) ?? '').split(/\s+/).filter(Boolean);
      return list.length ? list : undefined;
    }
    case 'lines': {
      const list = lines(form, field.name);
      return list.length ? list : undefined;
    }
    case 'number':
      return numberOrNull(form, field.name) ?? undefined;
    default:
      return text(form, field.name);
  }
}

/** The mapping from the form: an empty attribute is left out (the protocol's or template's standard one applies). */
function mappingOf(form: URLSearchParams): Record<string, unknown> {
  const mapping: Record<string, unknown> = { trustEmailVerified: checked(form, TRUST_EMAIL_VERIFIED) };
  for (const field of MAPPING_FIELDS) {
    const value = text(form, field.name);
    if (value !== undefined) mapping[field.name.slice('mapping.'.length)] = value;
  }
  return mapping;
}

/**
 * The API body from the form. An empty field is left out, so the protocol's default applies and a secret, which is
 * never shown, is kept on a replacement (the API's rule). A replacement replaces everything, so settings of the
 * `stored` configuration the form has no field for go back as stored.
 */
export function idpBody(type: string, form: URLSearchParams, stored?: StoredIdp) {
  const fields = IDP_KINDS[type]?.fields ?? [];
  const shown = new Set(fields.map((field) => field.within ?? field.name));
  const settings: Record<string, unknown> = Object.fromEntries(
    Object.entries(stored?.settings ?? {}).filter(([name]) => !shown.has(name)),
  );
  for (const field of fields) {
    const value = valueOf(field, form);
    if (value === undefined) continue;
    if (!field.within) settings[field.name] = value;
    else settings[field.within] = { ...(settings[field.within] as object), [field.name]: value };
  }
  return {
    name: form.get('name') ?? '',
    type,
    settings,
    options: Object.fromEntries(IDP_OPTIONS.map(([name]) => [name, checked(form, name)])),
    mapping: mappingOf(form),
  };
}

/** The stored configuration as the form shows it: lists as typed, nested ones flat, secrets never (not returned). */
export function idpFormValues(type: string, stored: StoredIdp): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const field of IDP_KINDS[type]?.fields ?? []) {
    const source = field.within ? ((stored.settings[field.within] ?? {}) as Record<string, unknown>) : stored.settings;
    const value = source[field.name];
    if (value === undefined) continue;
    shown[field.name] = Array.isArray(value) ? value.join(field.kind === 'lines' ? '\n' : ' ') : value;
  }
  return { ...shown, ...mappingFormValues(stored.mapping) };
}

/** A mapping as the form's fields show it (a new configuration's: its template's defaults). */
export function mappingFormValues(mapping: Partial<Record<string, unknown>>): Record<string, unknown> {
  return {
    ...Object.fromEntries(MAPPING_FIELDS.map((field) => [field.name, mapping[field.name.slice('mapping.'.length)]])),
    [TRUST_EMAIL_VERIFIED]: mapping.trustEmailVerified === true,
  };
}
