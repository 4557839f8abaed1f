// The `login-action` scenario's action: one trivial complement-token script on the bench org, attached through the
// management API just before the scenario is measured and detached right after, so no other scenario runs it.
import type { Target } from './targets.ts';

export const BENCH_ACTION_SCRIPT =
  "function benchClaim(ctx, api) { api.v1.claims.setClaim('bench', ctx.v1.user.username); }";
const TRIGGERS = ['pre-userinfo-creation', 'pre-access-token-creation'];

async function api(target: Target, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const fixture = target.api!.fixture;
  const response = await fetch(`${target.server.url}/api/v1/orgs/${fixture.orgId}${path}`, {
    method,
    headers: { authorization: `Bearer ${fixture.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function setTriggers(target: Target, actionIds: string[]): Promise<void> {
  for (const trigger of TRIGGERS)
    await api(target, 'PUT', `/flows/complement-token/triggers/${trigger}`, { actionIds });
}

export async function attachBenchAction(target: Target): Promise<void> {
  const existing = (await api(target, 'GET', '/actions')).actions as Array<{ id: string; name: string }>;
  const id = existing.find((action) => action.name === 'benchClaim')?.id;
  const actionId =
    id ?? ((await api(target, 'POST', '/actions', { name: 'benchClaim', script: BENCH_ACTION_SCRIPT })).id as string);
  await setTriggers(target, [actionId]);
}

export function detachBenchAction(target: Target): Promise<void> {
  return setTriggers(target, []);
}
