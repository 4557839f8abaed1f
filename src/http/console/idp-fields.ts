import { checked, text } from './forms.ts';

// The settings fields of each kind of identity provider, as POST/PUT /idps take them (api/idps.ts SETTINGS_HELP, the
// protocols' schemas in domain/federation/): what a form shows and how it becomes the API's `settings`.

interface IdpField {
  name: string;
  label: string;
  kind: 'text' | 'secret' | 'scopes' | 'checkbox' | 'textarea' | 'select';
  options?: Array<{ value: string; label: string }>;
  hint?: string;
}

const choices = (...values: string[]) => values.map((value) => ({ value, label: value }));

const clientId: IdpField = { name: 'clientId', label: 'Client ID', kind: 'text' };
const clientSecret: IdpField = { name: 'clientSecret', label: 'Client secret', kind: 'secret' };
const scopes: IdpField = { name: 'scopes', label: 'Scopes', kind: 'scopes', hint: 'Separated by spaces.' };
const credentials = [clientId, clientSecret];

export const IDP_KINDS: Record<string, { label: string; fields: IdpField[] }> = {
  oidc: {
    label: 'OpenID Connect',
    fields: [
      { name: 'issuer', label: 'Issuer URL', kind: 'text' },
      ...credentials,
      scopes,
      { name: 'usePkce', label: 'Use PKCE', kind: 'checkbox' },
      { name: 'claimsFrom', label: 'Read the claims from', kind: 'select', options: choices('id_token', 'userinfo') },
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
      { name: 'idAttribute', label: 'Attribute of the user’s id', kind: 'text' },
    ],
  },
  saml: {
    label: 'SAML 2.0',
    fields: [
      { name: 'metadataUrl', label: 'Metadata URL', kind: 'text', hint: 'Or paste the metadata below.' },
      { name: 'metadataXml', label: 'Metadata XML', kind: 'textarea' },
      { name: 'binding', label: 'Request binding', kind: 'select', options: choices('redirect', 'post') },
    ],
  },
  google: { label: 'Google', fields: credentials },
  github: { label: 'GitHub', fields: credentials },
  'azure-ad': {
    label: 'Microsoft Entra ID',
    fields: [{ name: 'tenant', label: 'Tenant (id, organizations or common)', kind: 'text' }, ...credentials],
  },
  okta: {
    label: 'Okta',
    fields: [
      { name: 'domain', label: 'Okta domain', kind: 'text' },
      { name: 'authorizationServerId', label: 'Authorization server (optional)', kind: 'text' },
      ...credentials,
    ],
  },
  keycloak: {
    label: 'Keycloak',
    fields: [
      { name: 'baseUrl', label: 'Base URL', kind: 'text' },
      { name: 'realm', label: 'Realm', kind: 'text' },
      ...credentials,
    ],
  },
};

export const IDP_OPTIONS = [
  ['isCreationAllowed', 'Users may be created from this provider'],
  ['isLinkingAllowed', 'Existing users may link this provider'],
  ['isAutoCreation', 'Create the user without asking'],
  ['isAutoUpdate', 'Update the user’s profile at each login'],
] as const;

/**
 * The API body from the form. An empty field is left out, so the protocol's default applies and a secret, which is
 * never shown, is kept on a replacement (the API's rule).
 */
export function idpBody(type: string, form: URLSearchParams) {
  const settings: Record<string, unknown> = {};
  for (const field of IDP_KINDS[type]?.fields ?? []) {
    if (field.kind === 'checkbox') settings[field.name] = checked(form, field.name);
    else if (field.kind === 'scopes') {
      const list = (form.get(field.name) ?? '').split(/\s+/).filter(Boolean);
      if (list.length) settings[field.name] = list;
    } else if (text(form, field.name) !== undefined) settings[field.name] = text(form, field.name);
  }
  return {
    name: form.get('name') ?? '',
    type,
    settings,
    options: Object.fromEntries(IDP_OPTIONS.map(([name]) => [name, checked(form, name)])),
  };
}

/** The stored settings as the form shows them: scopes joined, secrets never (the API does not return them). */
export function idpFormValues(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [name, Array.isArray(value) ? value.join(' ') : value]),
  );
}
