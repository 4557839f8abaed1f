import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as xmllint from '@authenio/samlify-node-xmllint';
import * as samlify from 'samlify';
import { generateSigningCertificate } from '../../src/domain/federation/saml-sp-keys.ts';

/**
 * A real SAML 2.0 identity provider on loopback for the tests (issue 17), built with samlify: its own key and
 * certificate, metadata at /metadata, single sign-on at /sso by HTTP-Redirect (GET) and HTTP-POST (POST). It parses
 * the service provider's AuthnRequest (and checks its signature when the SP's metadata says it signs), signs the
 * assertion of the user `next` names, and answers with the HTTP-POST binding's auto-submitted form.
 */

samlify.setSchemaValidator(xmllint);

const NS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
};

export interface SamlIdpUser {
  nameId: string;
  nameIdFormat?: string;
  attributes: Record<string, string | string[]>;
  authnContextClassRef?: string;
}

/** What the next sign-on answers: whom, with which template values replaced, and what happens after signing. */
export interface NextAnswer {
  user: SamlIdpUser;
  /** samlify template tags (Audience, InResponseTo, SubjectRecipient, ConditionsNotOnOrAfter, …) to override. */
  overrides?: Record<string, string>;
  /** Sign the Response only (as Keycloak does by default), not the assertion. */
  signResponseOnly?: boolean;
  /** A status other than Success: the IdP refuses, unsigned, without an assertion. */
  deny?: { statusCode: string; message: string };
  /** Rewrites the signed XML: the attacks. */
  tamper?: (xml: string) => string;
}

export interface SignOnForm {
  action: string;
  fields: Record<string, string>;
}

export interface SamlIdp {
  url: string;
  entityId: string;
  metadataXml: string;
  /** The service provider this IdP answers, from its metadata: parsed by samlify as SP metadata. */
  trust(spMetadataXml: string): void;
  next: NextAnswer;
  /** How often /metadata was fetched. */
  metadataFetches: number;
  /** The last AuthnRequest received: its id, binding and ACS URL. */
  lastRequest: { id: string; binding: 'redirect' | 'post'; acsUrl: string | null } | null;
  close(): Promise<void>;
}

/** The SSO endpoint's input as samlify reads it: a redirect's query (with the signed octets) or a POST's form. */
interface IncomingSamlRequest {
  query?: Record<string, string>;
  body?: Record<string, string>;
  octetString?: string;
}

const escapeXml = (value: string): string => value.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);

function attributeStatement(attributes: Record<string, string | string[]>): string {
  const entries = Object.entries(attributes).map(([name, value]) => {
    const values = (Array.isArray(value) ? value : [value])
      .map((item) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(item)}</saml:AttributeValue>`)
      .join('');
    return `<saml:Attribute Name="${escapeXml(name)}">${values}</saml:Attribute>`;
  });
  return entries.length ? `<saml:AttributeStatement>${entries.join('')}</saml:AttributeStatement>` : '';
}

function authnStatement(user: SamlIdpUser, now: string): string {
  const classRef = user.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
  return (
    `<saml:AuthnStatement AuthnInstant="${now}" SessionIndex="_s${randomBytes(8).toString('hex')}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${classRef}</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>`
  );
}

function deniedResponse(idp: { entityId: string }, acsUrl: string, inResponseTo: string, deny: NextAnswer['deny']) {
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ` +
    `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomBytes(16).toString('hex')}" Version="2.0" ` +
    `IssueInstant="${new Date().toISOString()}" Destination="${acsUrl}" InResponseTo="${inResponseTo}">` +
    `<saml:Issuer>${idp.entityId}</saml:Issuer><samlp:Status>` +
    `<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder">` +
    `<samlp:StatusCode Value="${deny!.statusCode}"/></samlp:StatusCode>` +
    `<samlp:StatusMessage>${escapeXml(deny!.message)}</samlp:StatusMessage></samlp:Status></samlp:Response>`
  );
}

export function postForm(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeXml(name)}" value="${escapeXml(value)}">`)
    .join('');
  // Submitted at once in a browser (Chromium tests), read with readPostForm otherwise.
  return (
    `<!doctype html><body><form method="post" action="${escapeXml(action)}">${inputs}` +
    `<button type="submit">Continue</button></form><script>document.forms[0].submit()</script></body>`
  );
}

/** Reads back the form an IdP or Castellan answers with (the HTTP-POST binding, SAML bindings §3.5.4). */
export function readPostForm(html: string): SignOnForm {
  const unescape = (value: string): string =>
    value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g))
    fields[unescape(name!)] = unescape(value!);
  return { action: unescape(action), fields };
}

export async function startSamlIdp(): Promise<SamlIdp> {
  const { certificatePem, privateKeyPem } = await generateSigningCertificate('Castellan test SAML IdP');
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const identityProvider = samlify.IdentityProvider({
    entityID: `${url}/metadata`,
    signingCert: certificatePem,
    privateKey: privateKeyPem,
    nameIDFormat: [NS.persistent],
    wantAuthnRequestsSigned: true,
    singleSignOnService: [
      { Binding: NS.redirect, Location: `${url}/sso` },
      { Binding: NS.post, Location: `${url}/sso` },
    ],
  });
  let serviceProvider: ReturnType<typeof samlify.ServiceProvider> | null = null;
  let spMetadata = '';

  const idp: SamlIdp = {
    url,
    entityId: `${url}/metadata`,
    metadataXml: identityProvider.getMetadata(),
    trust(spMetadataXml) {
      spMetadata = spMetadataXml;
      serviceProvider = samlify.ServiceProvider({ metadata: spMetadataXml });
    },
    next: { user: { nameId: 'nobody', attributes: {} } },
    lastRequest: null,
    metadataFetches: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function answer(binding: 'redirect' | 'post', request: IncomingSamlRequest) {
    if (!serviceProvider) throw new Error('trust() the service provider first');
    const parsed = await identityProvider.parseLoginRequest(serviceProvider, binding, request);
    const extract = parsed.extract as { request: { id: string; assertionConsumerServiceUrl?: string } };
    const acsUrl = serviceProvider.entityMeta.getAssertionConsumerService('post') as string;
    idp.lastRequest = { id: extract.request.id, binding, acsUrl: extract.request.assertionConsumerServiceUrl ?? null };
    const { user, overrides, deny, tamper, signResponseOnly } = idp.next;
    const relayState = (request.query ?? request.body)?.RelayState ?? '';
    if (deny) {
      const xml = deniedResponse(idp, acsUrl, extract.request.id, deny);
      return postForm(acsUrl, { SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: relayState });
    }
    // Keycloak's default signs the Response only: as for an SP that wants signed messages, not signed assertions.
    const target = signResponseOnly
      ? samlify.ServiceProvider({
          metadata: spMetadata.replace('WantAssertionsSigned="true"', 'WantAssertionsSigned="false"'),
          wantMessageSigned: true,
        })
      : serviceProvider;
    const now = new Date();
    const later = new Date(now.getTime() + 5 * 60_000).toISOString();
    const values: Record<string, string> = {
      ID: `_${randomBytes(16).toString('hex')}`,
      AssertionID: `_${randomBytes(16).toString('hex')}`,
      Destination: acsUrl,
      Audience: serviceProvider.entityMeta.getEntityID(),
      SubjectRecipient: acsUrl,
      Issuer: idp.entityId,
      IssueInstant: now.toISOString(),
      StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: user.nameIdFormat ?? NS.persistent,
      NameID: user.nameId,
      InResponseTo: extract.request.id,
      ...overrides,
    };
    const response = await identityProvider.createLoginResponse(
      target,
      parsed as unknown as Parameters<typeof identityProvider.createLoginResponse>[1],
      'post',
      {},
      {
        relayState,
        customTagReplacement: (template: string) => {
          const withStatements = template
            .replace('{AuthnStatement}', authnStatement(user, values.IssueInstant!))
            .replace('{AttributeStatement}', attributeStatement(user.attributes));
          return { id: values.ID!, context: samlify.SamlLib.replaceTagsByValue(withStatements, values) };
        },
      },
    );
    const signed = Buffer.from(response.context, 'base64').toString('utf8');
    const xml = tamper ? tamper(signed) : signed;
    return postForm(acsUrl, { SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: relayState });
  }

  server.on('request', (incoming: http.IncomingMessage, outgoing: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const requestUrl = new URL(incoming.url ?? '/', url);
      const reply = (status: number, type: string, body: string): void => {
        outgoing.writeHead(status, { 'content-type': type }).end(body);
      };
      if (requestUrl.pathname === '/metadata') {
        idp.metadataFetches += 1;
        return reply(200, 'application/samlmetadata+xml', idp.metadataXml);
      }
      if (requestUrl.pathname !== '/sso') return reply(404, 'text/plain', 'not found');
      // samlify verifies a redirect's signature over the query exactly as sent, without the Signature (§3.4.4.1).
      const rawQuery = requestUrl.search.slice(1);
      const request =
        incoming.method === 'POST'
          ? { body: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) }
          : {
              query: Object.fromEntries(requestUrl.searchParams),
              octetString: rawQuery
                .split('&')
                .filter((pair) => !pair.startsWith('Signature='))
                .join('&'),
            };
      answer(incoming.method === 'POST' ? 'post' : 'redirect', request).then(
        (html) => reply(200, 'text/html; charset=utf-8', html),
        (error: unknown) => reply(400, 'text/plain', `SAML IdP refused the request: ${(error as Error).message}`),
      );
    });
  });
  return idp;
}
