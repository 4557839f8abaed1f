import { User } from '../../src/store/models/index.ts';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { after, before } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

export interface ApiResponse {
  status: number;
  body: Record<string, unknown> & { [key: string]: unknown };
  contentType: string;
}

/** A JSON call to the management API with a bearer token. */
export async function call(
  server: TestServer,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as ApiResponse['body']) : {},
    contentType: response.headers.get('content-type') ?? '',
  };
}

/**
 * A personal access token for the bootstrap machine user (IAM_OWNER), minted directly: the one credential tests start
 * from.
 */
export async function bootstrapToken(server: TestServer): Promise<string> {
  const machine = await User.findOne({
    instanceId: server.bootstrap.instanceId,
    type: 'machine',
    'machine.name': 'Bootstrap automation',
  }).lean();
  if (!machine) throw new Error('bootstrap machine user missing');
  const actor = { instanceId: server.bootstrap.instanceId, actorId: machine._id };
  const { token } = await createPersonalAccessToken(
    actor,
    machine,
    new Date(Date.now() + 3600_000),
    clientSecretHashKey(server.services.masterKey),
  );
  return token;
}

/** A server for the suite it is called in, with the bootstrap token (IAM_OWNER): started before, stopped after. */
export function serverWithAdmin(): { server: TestServer; admin: string } {
  const shared = {} as { server: TestServer; admin: string };
  before(async () => {
    shared.server = await startTestServer();
    shared.admin = await bootstrapToken(shared.server);
  });
  after(() => shared.server?.stop());
  return shared;
}
