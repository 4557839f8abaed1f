import { z } from 'zod';
import {
  generateDomainValidation,
  setPrimaryOrgDomain,
  verifyOrgDomain,
} from '../../domain/commands/org-domain-verification.ts';
import { ORG } from './locators.ts';
import { orgView, toOrgView } from './orgs.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Organizations';
const domainParam = (params: Record<string, string>) => (params.domain ?? '').toLowerCase();

export const orgDomainRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/orgs/{orgId}/domains/{domain}/validation',
    tag: TAG,
    summary:
      'A token proving the org owns an unverified domain, and where to publish it (as ZITADEL): http, the body of ' +
      'https://{domain}/.well-known/zitadel-challenge/{token}.txt; dns, a TXT record at _zitadel-challenge.{domain}. ' +
      'A new token replaces the previous one',
    permission: 'org.write',
    on: ORG,
    body: z.strictObject({ type: z.enum(['http', 'dns']) }),
    response: z.object({ token: z.string(), url: z.string() }),
    handler: ({ services, actor, target, params, body }) =>
      generateDomainValidation(services, actor, target, domainParam(params), body.type),
  }),
  route({
    method: 'post',
    path: '/orgs/{orgId}/domains/{domain}/verify',
    tag: TAG,
    summary:
      'Check the published token: the domain becomes verified (user@domain logs in; it can become primary). 400 ' +
      'says what was not found; 409 without a validation, or when another org verified the domain',
    permission: 'org.write',
    on: ORG,
    response: null,
    handler: ({ services, actor, target, params }) => verifyOrgDomain(services, actor, target, domainParam(params)),
  }),
  route({
    method: 'post',
    path: '/orgs/{orgId}/domains/{domain}/primary',
    tag: TAG,
    summary:
      "Make a verified domain the org's primary domain: login names become user@{domain}, the old ones stop working " +
      '(as in ZITADEL); 409 when the domain is not verified',
    permission: 'org.write',
    on: ORG,
    response: orgView,
    handler: async ({ actor, target, params }) =>
      toOrgView(await setPrimaryOrgDomain(actor, target, domainParam(params))),
  }),
];
