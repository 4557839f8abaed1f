import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import mongoose from 'mongoose';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { MasterKey } from '../../src/platform/crypto.ts';
import { User } from '../../src/store/models/index.ts';
import type { Actor } from '../../src/domain/commands/changes.ts';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { createMachineUser } from '../../src/domain/commands/users.ts';
import { deactivateUser } from '../../src/domain/commands/user-lifecycle.ts';
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

/** The answers of 20 requests, spread over both workers. */
async function answers(url: string, token: string): Promise<Set<number>> {
  return new Set(await Promise.all(Array.from({ length: 20 }, () => status(url, token))));
}

interface Cluster {
  url: string;
  /** The bootstrap machine user (an IAM owner), acting directly on the database from this test process. */
  admin: Actor & { orgId: string };
  /** A personal access token of the bootstrap machine user. */
  adminToken: string;
  hashKey: ReturnType<typeof clientSecretHashKey>;
}

/** Runs `test` against two workers on a fresh database, which this process is connected to as well. */
async function withTwoWorkers(test: (cluster: Cluster) => Promise<void>): Promise<void> {
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
    const actor = { instanceId: admin.instanceId, actorId: admin._id, orgId: admin.orgId };
    const { token } = await createPersonalAccessToken(actor, admin, new Date(Date.now() + 3600_000), hashKey);
    await test({ url: server.url, admin: actor, adminToken: token, hashKey });
  } finally {
    await mongoose.connection.db?.dropDatabase();
    await mongoose.disconnect();
    await server.stop();
  }
}

it('a change made through one worker reaches the caches of the other within the revision poll', async () => {
  await withTwoWorkers(async ({ url, admin, adminToken }) => {
    const api = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${url}/api/v1${route}`, {
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
    assert.deepEqual(await answers(url, probeToken), new Set([200]));

    await api('POST', `/users/${probe.id}/deactivate`);
    const deactivatedAt = Date.now();
    // The default poll is 250 ms: after one second, no worker may still accept the deactivated user.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(
      await answers(url, probeToken),
      new Set([401]),
      `answers ${Date.now() - deactivatedAt} ms after the deactivation`,
    );
  });
});

it('a domain command called outside any route (no HTTP request) reaches the caches of every worker', async () => {
  await withTwoWorkers(async ({ url, admin, hashKey }) => {
    const probe = await createMachineUser(admin, admin.orgId, { username: 'direct-probe', name: 'Direct probe' });
    const { token } = await createPersonalAccessToken(admin, probe, new Date(Date.now() + 3600_000), hashKey);
    assert.deepEqual(await answers(url, token), new Set([200]));

    await deactivateUser(admin, probe, async () => 0);
    const deactivatedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(await answers(url, token), new Set([401]), `answers ${Date.now() - deactivatedAt} ms after`);
  });
});
