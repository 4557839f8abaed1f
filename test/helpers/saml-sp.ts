import { randomBytes } from 'node:crypto';
import type { ExternalIdentity, IdpForProtocol } from '../../src/domain/federation/protocol.ts';
import { samlProtocol, type SamlSettings } from '../../src/domain/federation/saml.ts';
import { samlSettingsSchema } from '../../src/domain/federation/saml-settings.ts';
import { FederationError } from '../../src/domain/federation/protocol.ts';
import { readPostForm, type NextAnswer, type SamlIdp, type SignOnForm } from './saml-idp.ts';

/**
 * Castellan's side of a SAML sign-on in the tests, as the login drives it: a configuration built the way the API
 * builds one (schema, then initialize), begin(), the browser's trip to the IdP over HTTP, and finish().
 */
export const ISSUER = 'https://castellan.test';

export interface SamlConfiguration {
  idp: IdpForProtocol<SamlSettings>;
  callbackUrl: string;
}

/** A configuration of `idp` in a fresh instance, whose SP metadata the IdP trusts. */
export async function configureSaml(idp: SamlIdp, settings: Record<string, unknown> = {}): Promise<SamlConfiguration> {
  const parsed = samlSettingsSchema.parse({ metadataXml: idp.metadataXml, ...settings });
  const id = `idp-${randomBytes(6).toString('hex')}`;
  const configuration = {
    idp: {
      id,
      instanceId: `instance-${randomBytes(6).toString('hex')}`,
      settings: await samlProtocol.initialize!(parsed),
    },
    callbackUrl: `${ISSUER}${samlProtocol.callbackPath(id)}`,
  };
  idp.trust(spMetadata(configuration));
  return configuration;
}

export function spMetadata({ idp, callbackUrl }: SamlConfiguration): string {
  return samlProtocol.metadata!({ idp, callbackUrl, issuer: ISSUER });
}

/** begin(), then the browser's request to the IdP (redirect or auto-posted form); the IdP's answer is a POST form. */
export async function signOn(
  configuration: SamlConfiguration,
  state = 'state-1',
): Promise<{ form: SignOnForm; keep: Record<string, string>; request: unknown }> {
  const { request, keep } = await samlProtocol.begin({ ...configuration, state });
  const response =
    request.kind === 'redirect'
      ? await fetch(request.url)
      : await fetch(request.url, { method: 'POST', body: new URLSearchParams(request.fields) });
  const body = await response.text();
  if (!response.ok) throw new Error(`IdP answered ${response.status}: ${body}`);
  return { form: readPostForm(body), keep, request };
}

export function finishSaml(
  configuration: SamlConfiguration,
  form: SignOnForm,
  keep: Record<string, string>,
): Promise<ExternalIdentity> {
  return samlProtocol.finish({ ...configuration, params: new URLSearchParams(form.fields), keep });
}

/** A user of the test IdP, with the plain attribute names Okta and Keycloak send. */
export const alice = {
  nameId: 'alice-7f3a',
  attributes: {
    email: 'alice@beta.example',
    firstName: 'Alice',
    lastName: 'Liddell',
    username: 'alice',
    locale: 'de',
  },
};

/** A whole sign-on at `idp` with `next` as its answer: the identity, or the FederationError's reason and message. */
export async function signOnWith(
  idp: SamlIdp,
  configuration: SamlConfiguration,
  next: Partial<NextAnswer> = {},
): Promise<ExternalIdentity | { reason: string; message: string }> {
  idp.next = { user: alice, ...next };
  const { form, keep } = await signOn(configuration);
  return finishSaml(configuration, form, keep).catch((error: unknown) => {
    if (error instanceof FederationError) return { reason: error.reason, message: error.message };
    throw error;
  });
}
