import type { ManagerLevel } from './permissions.ts';

/**
 * What each of ZITADEL's manager roles lets its holder do, as the console explains them when roles are given
 * (https://zitadel.com/docs/guides/manage/console/managers#roles). The permissions themselves are
 * config/role-permissions.json's; these sentences only describe them.
 */
export const MANAGER_ROLE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  IAM_OWNER: 'Manages the whole instance: its settings, every organization and everything in it.',
  IAM_OWNER_VIEWER: 'Sees the whole instance and every organization, and changes nothing.',
  IAM_ORG_MANAGER: 'Creates and manages the organizations of the instance.',
  IAM_USER_MANAGER: 'Manages the users of every organization.',
  IAM_ADMIN_IMPERSONATOR: 'Impersonates the instance’s managers.',
  IAM_END_USER_IMPERSONATOR: 'Impersonates the users of the instance.',
  IAM_LOGIN_CLIENT: 'Runs a custom login for the instance.',
  ORG_OWNER: 'Manages the organization: its settings, users, projects, grants and managers.',
  ORG_OWNER_VIEWER: 'Sees everything in the organization, and changes nothing.',
  ORG_USER_MANAGER: 'Manages the organization’s users and their authorizations.',
  ORG_SETTINGS_MANAGER: 'Manages the organization’s settings and policies.',
  ORG_USER_PERMISSION_EDITOR: 'Gives the organization’s users roles (authorizations) on its projects.',
  ORG_PROJECT_PERMISSION_EDITOR: 'Grants the organization’s projects to other organizations, and authorizes users.',
  ORG_PROJECT_CREATOR: 'Creates projects, and manages the projects they created.',
  ORG_ADMIN_IMPERSONATOR: 'Impersonates the organization’s managers.',
  ORG_END_USER_IMPERSONATOR: 'Impersonates the organization’s users.',
  ORG_USER_SELF_MANAGER: 'Manages their own account.',
  SELF_MANAGEMENT_GLOBAL: 'Manages their own account in any organization.',
  PROJECT_OWNER: 'Manages the project: roles, applications, grants, authorizations and managers.',
  PROJECT_OWNER_VIEWER: 'Sees the project, its roles, applications and grants, and changes nothing.',
  PROJECT_OWNER_GLOBAL: 'Manages the project, and sees users of every organization.',
  PROJECT_OWNER_VIEWER_GLOBAL: 'Sees the project, and users of every organization.',
  PROJECT_GRANT_OWNER: 'Manages a granted project in the receiving organization: authorizations and managers.',
  PROJECT_GRANT_OWNER_VIEWER: 'Sees a granted project in the receiving organization.',
};

export const LEVEL_NAMES: Readonly<Record<ManagerLevel, string>> = {
  instance: 'Instance',
  org: 'Organization',
  project: 'Project',
  projectGrant: 'Granted project',
};
