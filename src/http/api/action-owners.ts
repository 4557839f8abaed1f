import { instanceContext } from '../../domain/rules/resource-context.ts';
import type { ActionOwner } from '../../domain/commands/actions.ts';
import { ORG } from './locators.ts';
import type { Locator } from './route.ts';

// Who owns the actions, flows and webhook subscriptions a route acts on: an org (decided as ORG), or the instance
// (decided as INSTANCE, where only instance-wide roles act).

export const ORG_OWNED: Locator<ActionOwner> = {
  name: 'ORG_OWNED',
  resource: 'org',
  async locate(request, permission) {
    const location = await ORG.locate(request, permission);
    return { ...location, target: async (access) => ({ orgId: (await location.target(access))._id }) };
  },
};

export const INSTANCE_OWNED: Locator<ActionOwner> = {
  name: 'INSTANCE_OWNED',
  resource: 'instance',
  locate: async () => ({ context: instanceContext, target: async () => ({ orgId: null }) }),
};

/** The org-level and instance-level forms of the same routes: path prefix, locator and permission prefix. */
export const OWNER_SCOPES = [
  { base: '/orgs/{orgId}', on: ORG_OWNED, prefix: 'org' },
  { base: '/instance', on: INSTANCE_OWNED, prefix: 'iam' },
] as const;
