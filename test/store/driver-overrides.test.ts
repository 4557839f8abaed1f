import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { failWritesOnClosedSockets } from '../../src/store/database/driver-overrides.ts';
import { freshDatabaseUri } from '../helpers/database.ts';

/** Where the test database listens: a Unix socket (the suite's FerretDB) or host:port (MONGODB_URI). */
function upstreamOf(uri: string): net.NetConnectOpts {
  const host = decodeURIComponent(new URL(uri).host);
  if (host.startsWith('/')) return { path: host };
  const { hostname, port } = new URL(uri);
  return { host: hostname, port: Number(port || 27017) };
}

/**
 * A relay between the driver and the real database that can hang up on the driver cleanly (a FIN, no reset),
 * which is what the driver sees when the database process is killed.
 */
function startRelay(uri: string): { path: string; upstreams: Set<net.Socket>; hangUp(): void; close(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-relay-'));
  const socketPath = path.join(dir, 'relay.sock');
  const clients = new Set<net.Socket>();
  const upstreams = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamOf(uri));
    upstreams.add(upstream);
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  server.listen(socketPath);
  return {
    path: socketPath,
    upstreams,
    hangUp: () => clients.forEach((client) => client.end()),
    close: () => {
      [...clients, ...upstreams].forEach((socket) => socket.destroy());
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The sockets the driver opens while `work` runs. */
async function socketsOpenedBy(work: () => Promise<unknown>): Promise<net.Socket[]> {
  const opened: net.Socket[] = [];
  const onSocket = (message: unknown): void => void opened.push((message as { socket: net.Socket }).socket);
  subscribe('net.client.socket', onSocket);
  try {
    await work();
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
  return opened;
}

describe('driver override: a command written to a socket that closes meanwhile fails instead of hanging', () => {
  const database = new URL(freshDatabaseUri()).pathname.slice(1);
  let relay: ReturnType<typeof startRelay>;
  let client: mongoose.mongo.MongoClient;
  let opened: net.Socket[];

  before(async () => {
    failWritesOnClosedSockets();
    relay = startRelay(freshDatabaseUri());
    client = new mongoose.mongo.MongoClient(`mongodb://${encodeURIComponent(relay.path)}/?maxPoolSize=1`, {
      serverSelectionTimeoutMS: 2_000,
    });
    opened = await socketsOpenedBy(async () => {
      await client.connect();
      await client.db(database).collection<{ _id: string }>('relayed').insertOne({ _id: 'kept' });
    });
  });
  after(async () => {
    await client.db(database).dropDatabase();
    await client.close();
    relay.close();
  });

  it('a read sent after the database hung up, before the driver saw the socket close, is retried', async () => {
    const collection = client.db(database).collection<{ _id: string }>('relayed');
    // The driver opened its monitor's connection, then the pool's only one (maxPoolSize=1) for the insert.
    const driverSockets = opened.filter((socket) => !relay.upstreams.has(socket));
    assert.equal(driverSockets.length, 2, 'a monitor and one pooled connection');
    const pooled = driverSockets[1] as net.Socket;

    // Between the hang-up's EOF (Node then destroys the socket) and its 'close' (a turn of the event loop later),
    // the pooled connection still looks usable to the driver: the moment a kill -9 of FerretDB left one command in.
    const read = new Promise<unknown>((resolve, reject) =>
      pooled.once('end', () =>
        setImmediate(() => {
          assert.equal(pooled.destroyed, true, 'the socket is destroyed when the command is written');
          collection.findOne({ _id: 'kept' }).then(resolve, reject);
        }),
      ),
    );
    relay.hangUp();
    const started = Date.now();
    const hang = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5_000).unref());
    const outcome = await Promise.race([read, hang]);
    assert.deepEqual(outcome, { _id: 'kept' }, `the read answered (${outcome === 'hung' ? 'it hung' : 'wrongly'})`);
    assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms`);
  });
});
