import { renderConsole, type Console, type ConsolePage, type FormState, type Params } from './kit.ts';
import { orgFrame } from './org-tabs.ts';

/** The domain a row's button acts on, as the path parameter of the API's domain routes. */
const domainParams = (c: Console, form: URLSearchParams): Params => ({
  orgId: c.ctx.params.orgId!,
  domain: form.get('domain') ?? '',
});
const backToDomains = (_c: Console, _result: unknown, params: Params) => `/orgs/${params.orgId}/domains`;

/** Where the token goes: the instructions of api/org-domains.ts (ZITADEL's HTTP file or DNS TXT record). */
interface Challenge {
  domain: string;
  type: string;
  token: string;
  url: string;
}

async function renderDomains(c: Console, form?: FormState, status?: number, challenge?: Challenge): Promise<void> {
  const orgId = c.ctx.params.orgId!;
  const frame = await orgFrame(c, orgId);
  const params = { orgId };
  await renderConsole(
    c,
    'org-domains.njk',
    {
      title: `Domains of ${frame.org.name}`,
      ...frame,
      form,
      challenge,
      // The domain routes all need org.write (api/orgs.ts, api/org-domains.ts); each is asked, not assumed.
      can: {
        add: await c.allows('POST /orgs/{orgId}/domains', params),
        validate: await c.allows('POST /orgs/{orgId}/domains/{domain}/validation', { ...params, domain: '-' }),
        verify: await c.allows('POST /orgs/{orgId}/domains/{domain}/verify', { ...params, domain: '-' }),
        primary: await c.allows('POST /orgs/{orgId}/domains/{domain}/primary', { ...params, domain: '-' }),
        remove: await c.allows('DELETE /orgs/{orgId}/domains/{domain}', { ...params, domain: '-' }),
      },
    },
    status,
  );
}

/**
 * An org's domains (issue 18): add one, ask for a verification token (HTTP file or DNS TXT record, as ZITADEL), have
 * it checked, make a verified one primary, remove one. The token is shown once, on the page the request answers.
 */
export const orgDomainsPage: ConsolePage = {
  path: '/orgs/:orgId/domains',
  render: (c, form, status) => renderDomains(c, form, status),
  actions: {
    add: {
      route: 'POST /orgs/{orgId}/domains',
      body: (form) => ({ domain: (form.get('domain') ?? '').trim() }),
      done: backToDomains,
    },
    validate: {
      route: 'POST /orgs/{orgId}/domains/{domain}/validation',
      params: domainParams,
      body: (form) => ({ type: form.get('type') ?? '' }),
      done: async (c, result, params) => {
        const { token, url } = result as { token: string; url: string };
        // The HTTP challenge is a URL, the DNS one a record name (domain/rules/domain-challenge.ts challengeLocation).
        const type = url.startsWith('https://') || url.startsWith('http://') ? 'http' : 'dns';
        await renderDomains(c, undefined, 200, { domain: params.domain!, type, token, url });
      },
    },
    verify: { route: 'POST /orgs/{orgId}/domains/{domain}/verify', params: domainParams, done: backToDomains },
    primary: { route: 'POST /orgs/{orgId}/domains/{domain}/primary', params: domainParams, done: backToDomains },
    remove: { route: 'DELETE /orgs/{orgId}/domains/{domain}', params: domainParams, done: backToDomains },
  },
};
