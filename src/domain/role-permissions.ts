import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/config.ts';
import { parseRolePermissions, type RolePermissions } from './rules/permissions.ts';

/**
 * config/role-permissions.json: operators change what a manager role may do there, without code. Read by the
 * management API (its authorization) and the token endpoint (token exchange's impersonation permissions).
 */
export function loadRolePermissions(): RolePermissions {
  return parseRolePermissions(
    JSON.parse(readFileSync(path.join(projectRoot, 'config', 'role-permissions.json'), 'utf8')),
  );
}
