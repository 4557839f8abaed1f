// What scripts/fuzz.ts gives schemathesis to draw path parameters from: orgs, users, projects, roles, apps, domains
// and user grants created through the API before the run. Random identifiers alone answer 404 on most routes with an
// id in the path (34 of 105 operations in a run without them), so their handlers, the outbound calls of domain
// verification among them, would never run.

interface Seeded {
  /** Path parameter name → values that exist when the run starts. */
  [parameter: string]: string[];
}

type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** A JSON caller of the management API at `apiUrl` with `token`; a failed seeding call stops the run. */
export function apiCaller(apiUrl: string, token: string): Call {
  return async (method, path, body) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`fuzz seed: ${method} ${path} answered ${response.status}: ${text}`);
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

export async function seedFuzzData(call: Call, orgs = 3): Promise<Seeded> {
  const seeded: Seeded = { orgId: [], userId: [], projectId: [], key: [], appId: [], domain: [], userGrantId: [] };
  const add = (name: string, value: unknown) => seeded[name]!.push(String(value));
  for (let i = 0; i < orgs; i++) {
    const orgId = (await call('POST', '/orgs', { name: `Fuzz Org ${i}` })).body.id as string;
    add('orgId', orgId);
    const domain = `fuzz-${i}.invalid`;
    await call('POST', `/orgs/${orgId}/domains`, { domain });
    add('domain', domain);
    for (const type of ['http', 'dns']) await call('POST', `/orgs/${orgId}/domains/${domain}/validation`, { type });
    const users: string[] = [];
    for (let u = 0; u < 2; u++) {
      const human = { username: `fuzz-${i}-${u}`, email: `fuzz-${i}-${u}@mail.test`, givenName: 'F', familyName: 'Z' };
      users.push((await call('POST', `/orgs/${orgId}/users/human`, human)).body.id as string);
    }
    users.push(
      (await call('POST', `/orgs/${orgId}/users/machine`, { username: `fuzz-bot-${i}`, name: 'Bot' })).body
        .id as string,
    );
    users.forEach((userId) => add('userId', userId));
    const projectId = (await call('POST', `/orgs/${orgId}/projects`, { name: `Fuzz Project ${i}` })).body.id as string;
    add('projectId', projectId);
    await call('POST', `/projects/${projectId}/roles`, { key: 'reader', displayName: 'Reader' });
    add('key', 'reader');
    const app = await call('POST', `/projects/${projectId}/apps`, {
      type: 'api',
      name: 'Fuzz API',
      authMethod: 'basic',
    });
    add('appId', app.body.id);
    const grant = await call('POST', `/orgs/${orgId}/user-grants`, {
      userId: users[0],
      projectId,
      roleKeys: ['reader'],
    });
    add('userGrantId', grant.body.id);
  }
  return seeded;
}

/**
 * schemathesis.toml: each seeded parameter drawn from its values half of the time (the other half stays generated, so
 * malformed and unknown ids are still sent).
 */
export function schemathesisConfig(seeded: Seeded): string {
  const lines: string[] = [];
  for (const [name, values] of Object.entries(seeded))
    lines.push(`[dictionaries.${name}]`, `values = ${JSON.stringify([...new Set(values)])}`, '');
  lines.push('[parameters]');
  for (const name of Object.keys(seeded)) lines.push(`"path.${name}" = { dictionary = "${name}", probability = 0.5 }`);
  return `${lines.join('\n')}\n`;
}
