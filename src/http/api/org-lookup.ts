import { z } from 'zod';
import { findOrgByPrimaryDomain } from '../../domain/commands/orgs.ts';
import { notFound } from '../../domain/errors.ts';
import { route, type ApiRoute } from './route.ts';
import { domain } from './schemas.ts';

/**
 * ZITADEL's GetOrgByDomainGlobal: any authenticated caller finds an org by its exact primary domain, which is public
 * anyway (it ends its users' login names). A project owner names the org it grants a project to this way; nothing is
 * listed or searched.
 */
export const orgLookupRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/orgs/_by-domain/{primaryDomain}',
    tag: 'Organizations',
    summary: 'Find an active organization by its exact primary domain (no search, no listing)',
    permission: 'org.global.read',
    on: {
      custom:
        "ZITADEL's GetOrgByDomainGlobal is open to every authenticated caller: a primary domain is public, and only " +
        'the id, name and domain of the exact match are returned',
      resource: 'org',
      allows: () => true,
    },
    response: z.object({ id: z.string(), name: z.string(), primaryDomain: z.string() }),
    async handler({ params, actor }) {
      const parsed = domain.safeParse(params.primaryDomain ?? '');
      const org = parsed.success ? await findOrgByPrimaryDomain(actor.instanceId, parsed.data) : null;
      if (!org) throw notFound();
      return { id: org._id, name: org.name, primaryDomain: org.primaryDomain };
    },
  }),
];
