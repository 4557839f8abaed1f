import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestServer } from '../helpers/server.ts';
import { call } from '../api/helpers.ts';

export interface ScimResponse {
  status: number;
  body: Record<string, unknown> & { [key: string]: unknown };
  headers: Headers;
}

/** A SCIM call to the org's endpoint (`path` under /scim/v2/{orgId}). */
export async function scim(
  server: TestServer,
  token: string | null,
  orgId: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ScimResponse> {
  const response = await fetch(`${server.url}/scim/v2/${orgId}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

/** A machine user of the org holding the given org manager roles, and a personal access token for it. */
export async function provisioningToken(
  server: TestServer,
  ownerToken: string,
  orgId: string,
  roles: string[],
): Promise<string> {
  const username = `scim-${Math.random().toString(36).slice(2, 10)}`;
  const machine = await call(server, ownerToken, 'POST', `/orgs/${orgId}/users/machine`, { username, name: username });
  const userId = machine.body.id as string;
  const member = await call(server, ownerToken, 'POST', `/orgs/${orgId}/members`, { userId, roles });
  if (member.status !== 201) throw new Error(`membership: ${member.status} ${JSON.stringify(member.body)}`);
  const pat = await call(server, ownerToken, 'POST', `/users/${userId}/personal-access-tokens`, {});
  return pat.body.token as string;
}

export const SCIM2_CLIENT_VERSION = '0.13.2';

/**
 * Python's scim2-client (PyPI) in a venv of its own under ~/.cache/castellan, installed once at the pinned version
 * (as scripts/fuzz.ts installs schemathesis); its httpx2 extra is the HTTP engine.
 */
export function scim2ClientPython(): string {
  const venv = path.join(os.homedir(), '.cache', 'castellan', `scim2-client-${SCIM2_CLIENT_VERSION}`);
  const python = path.join(venv, 'bin', 'python');
  const installed = () =>
    existsSync(python) && spawnSync(python, ['-c', 'import scim2_client.engines.httpx2']).status === 0;
  if (installed()) return python;
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (python3 with venv is required)`);
  };
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', `scim2-client[httpx2]==${SCIM2_CLIENT_VERSION}`]);
  return python;
}
