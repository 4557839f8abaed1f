import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import mongoose from 'mongoose';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { MasterKey } from '../../src/platform/crypto.ts';
import { User } from '../../src/store/models/index.ts';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { startCastellan } from '../../bench/lib/processes.ts';
import { freshDatabaseUri } from '../helpers/database.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-cache-test-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** What one worker answers to `GET /api/v1/orgs` with this token. */
async function status(url: string, token: string): Promise<number> {
  // A new connection per request, so the cluster's round robin spreads them over both workers.
  const response = await fetch(`${url}/api/v1/orgs`, {
    headers: { authorization: `Bearer ${token}`, connection: 'close' },
  });
  await response.body?.cancel();
  return response.status;
}

it('a change made through one worker reaches the caches of the other within the revision poll', async () => {
  const masterKey = MasterKey.generate();
  const mongodbUri = freshDatabaseUri();
  const server = await startCastellan({
    port: await freeLoopbackPort(),
    workers: 2,
    mongodbUri,
    dataDir,
    masterKey: masterKey.toBase64url(),
  });
  await mongoose.connect(mongodbUri);
  try {
    const admin = await User.findOne({ type: 'machine', 'machine.name': 'Bootstrap automation' }).lean();
    assert.ok(admin, 'the bootstrap machine user exists');
    const hashKey = clientSecretHashKey(masterKey);
    const { token: adminToken } = await createPersonalAccessToken(
      { instanceId: admin.instanceId, actorId: admin._id },
      admin,
      new Date(Date.now() + 3600_000),
      hashKey,
    );
    const api = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${server.url}/api/v1${route}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(response.ok, `${method} ${route}: ${response.status} ${await response.clone().text()}`);
      return (await response.json()) as { id: string; token: string };
    };
    const probe = await api('POST', `/orgs/${admin.orgId}/users/machine`, {
      username: 'cache-probe',
      name: 'Cache probe',
    });
    const { token: probeToken } = await api('POST', `/users/${probe.id}/personal-access-tokens`, {});

    // Both workers authenticate the probe (and so cache its account), many times over.
    const before = await Promise.all(Array.from({ length: 20 }, () => status(server.url, probeToken)));
    assert.deepEqual(new Set(before), new Set([200]));

    await api('POST', `/users/${probe.id}/deactivate`);
    const deactivatedAt = Date.now();
    // The default poll is 250 ms: after one second, no worker may still accept the deactivated user.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const afterwards = await Promise.all(Array.from({ length: 20 }, () => status(server.url, probeToken)));
    assert.deepEqual(
      new Set(afterwards),
      new Set([401]),
      `answers ${Date.now() - deactivatedAt} ms after the deactivation`,
    );
  } finally {
    await mongoose.connection.db?.dropDatabase();
    await mongoose.disconnect();
    await server.stop();
  }
});
