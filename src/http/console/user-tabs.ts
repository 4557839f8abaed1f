import { CONSOLE_PATH } from '../../domain/setup/console-app.ts';
import type { Console, NavItem } from './kit.ts';
import { orgFrame } from './org-tabs.ts';

/** A user as GET /users/{userId} shows it (api/user-view.ts). */
export interface UserView {
  id: string;
  orgId: string;
  type: 'human' | 'machine';
  username: string;
  loginName: string;
  displayName: string;
  state: 'active' | 'inactive' | 'locked';
  human: {
    email: string;
    emailVerified: boolean;
    pendingEmail: string | null;
    givenName: string;
    familyName: string;
    locale: string | null;
    phone: string | null;
    phoneVerified: boolean;
    /** OpenID Connect Core 1.0 §5.1.1's fields that are set (api/user-contact.ts). */
    address: Record<string, string> | null;
  } | null;
  machine: { name: string; description: string | null; accessTokenType: 'bearer' | 'jwt'; hasSecret: boolean } | null;
}

/** The sections of a user, each shown only where the API lets the manager read it and the user's type has it. */
const USER_SECTIONS = [
  { path: '', label: 'Overview', route: 'GET /users/{userId}', types: ['human', 'machine'] },
  { path: '/profile', label: 'Profile', route: 'GET /users/{userId}', types: ['human', 'machine'] },
  { path: '/factors', label: 'Second factors', route: 'GET /users/{userId}/mfa', types: ['human'] },
  { path: '/sessions', label: 'Sessions', route: 'GET /users/{userId}/sessions', types: ['human'] },
  { path: '/metadata', label: 'Metadata', route: 'GET /users/{userId}/metadata', types: ['human', 'machine'] },
  { path: '/credentials', label: 'Credentials', route: 'GET /users/{userId}/keys', types: ['machine'] },
] as const;

async function userTabs(c: Console, user: UserView): Promise<NavItem[]> {
  const sections = USER_SECTIONS.filter((section) => (section.types as readonly string[]).includes(user.type));
  const allowed = await Promise.all(sections.map((section) => c.allows(section.route, { userId: user.id })));
  return sections
    .filter((_, index) => allowed[index])
    .map((section) => ({ href: `${CONSOLE_PATH}/users/${user.id}${section.path}`, label: section.label }));
}

/**
 * What a page about a user shows around its content: the user, their org's sections (where the manager may read the
 * org) and the user's own sections.
 */
export async function userFrame(c: Console) {
  const userId = c.ctx.params.userId!;
  const user = await c.call<UserView>('GET /users/{userId}', { userId });
  const frame = await orgFrame(c, user.orgId).catch(() => ({ org: null, tabs: [] }));
  c.brandOrgId = user.orgId;
  return { user, ...frame, userTabs: await userTabs(c, user), userPath: `/users/${user.id}` };
}
