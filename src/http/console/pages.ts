import { loadRolePermissions } from '../api/index.ts';
import { applicationPage } from './applications.ts';
import { authorizationsPage } from './authorizations.ts';
import { brandingPages } from './branding.ts';
import { instanceAuditPage, orgAuditPage } from './audit.ts';
import { grantedProjectsPage, grantPage } from './grants.ts';
import { homePage } from './home.ts';
import { identityProviderPages } from './idps.ts';
import { webhookPagesOf } from './webhooks.ts';
import { actionPagesOf } from './actions.ts';
import { flowPages } from './flows.ts';
import { instanceLifetimesPage, instanceSettingsPage } from './instance-settings.ts';
import { smtpPage } from './smtp.ts';
import type { ConsolePage } from './kit.ts';
import { loginPolicyPages } from './login-policy.ts';
import { managerPages } from './managers.ts';
import { orgDomainsPage } from './org-domains.ts';
import { orgDeletePage, orgListPage, orgPage, orgSettingsPage } from './orgs.ts';
import { projectDeletePage, projectLifetimesPage, projectListPage, projectPage } from './projects.ts';
import { machineCredentialsPage } from './machine-credentials.ts';
import { userFactorsPage } from './user-factors.ts';
import { userMetadataPage } from './user-metadata.ts';
import { userProfilePage } from './user-profile.ts';
import { userSessionsPage } from './user-sessions.ts';
import { userDeletePage, userListPage, userPage } from './users.ts';

/** Every console page; a page's path is relative to /ui/console. */
export function consolePages(): ConsolePage[] {
  return [
    homePage,
    orgListPage,
    orgPage,
    orgDeletePage,
    orgSettingsPage,
    orgDomainsPage,
    ...loginPolicyPages,
    ...brandingPages,
    instanceSettingsPage,
    instanceLifetimesPage,
    smtpPage,
    ...identityProviderPages,
    ...webhookPagesOf,
    ...actionPagesOf,
    ...flowPages,
    userListPage,
    userPage,
    userDeletePage,
    userProfilePage,
    userFactorsPage,
    userMetadataPage,
    userSessionsPage,
    machineCredentialsPage,
    projectListPage,
    projectPage,
    projectDeletePage,
    projectLifetimesPage,
    applicationPage,
    grantedProjectsPage,
    grantPage,
    authorizationsPage,
    instanceAuditPage,
    orgAuditPage,
    ...managerPages(Object.keys(loadRolePermissions())),
  ];
}
