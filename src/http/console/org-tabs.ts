import type { Console, NavItem } from './kit.ts';

/** The sections of an org, each shown only where the API lets the manager read it. */
const ORG_SECTIONS = [
  { path: '', label: 'Overview', route: 'GET /orgs/{orgId}' },
  { path: '/users', label: 'Users', route: 'GET /orgs/{orgId}/users' },
  { path: '/projects', label: 'Projects', route: 'GET /orgs/{orgId}/projects' },
  { path: '/granted-projects', label: 'Granted projects', route: 'GET /orgs/{orgId}/granted-projects' },
  { path: '/authorizations', label: 'Authorizations', route: 'GET /orgs/{orgId}/user-grants' },
  { path: '/managers', label: 'Managers', route: 'GET /orgs/{orgId}/members' },
  { path: '/domains', label: 'Domains', route: 'GET /orgs/{orgId}' },
  { path: '/login-policy', label: 'Login policy', route: 'GET /orgs/{orgId}/login-policy' },
  { path: '/settings', label: 'Settings', route: 'GET /orgs/{orgId}/token-lifetimes' },
  { path: '/branding', label: 'Branding', route: 'GET /orgs/{orgId}/login-policy' },
  { path: '/idps', label: 'Identity providers', route: 'GET /orgs/{orgId}/idps' },
  { path: '/actions', label: 'Actions', route: 'GET /orgs/{orgId}/actions' },
  { path: '/flows', label: 'Flows', route: 'GET /orgs/{orgId}/flows/{flowType}' },
  { path: '/webhooks', label: 'Webhooks', route: 'GET /orgs/{orgId}/webhooks' },
  { path: '/audit', label: 'Audit trail', route: 'GET /events' },
] as const;

export async function orgTabs(c: Console, orgId: string): Promise<NavItem[]> {
  // The audit trail's org is a query parameter of GET /events (api/locators.ts EVENTS).
  const allowed = await Promise.all(
    ORG_SECTIONS.map((section) => c.allows(section.route, { orgId }, undefined, { orgId })),
  );
  return ORG_SECTIONS.filter((_, index) => allowed[index]).map((section) => ({
    href: `/ui/console/orgs/${orgId}${section.path}`,
    label: section.label,
  }));
}

/** What a page about an org shows around its content: the org (for its name and branding) and its sections. */
export async function orgFrame(c: Console, orgId: string) {
  c.brandOrgId = orgId;
  const org = await c.call<{
    id: string;
    name: string;
    state: string;
    primaryDomain: string;
    domains: Array<{ domain: string; verified: boolean }>;
  }>('GET /orgs/{orgId}', { orgId });
  return { org, tabs: await orgTabs(c, orgId) };
}
