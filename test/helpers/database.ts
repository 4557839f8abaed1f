import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { domainModels } from '../../src/store/models/index.ts';
import { oidcPayloadModels } from '../../src/store/models/oidc-payload.ts';
import { SystemEvent } from '../../src/store/models/system-event.ts';

export function testDatabaseServer(): string {
  const uri = process.env.CASTELLAN_TEST_MONGODB_URI;
  if (!uri)
    throw new Error('CASTELLAN_TEST_MONGODB_URI is not set: run the tests with `npm test` (scripts/run-tests.ts)');
  return uri.replace(/\/?$/, '/');
}

/** A URI naming a database of its own on the test server (MONGODB_URI or the suite's FerretDB). */
export function freshDatabaseUri(): string {
  const server = new URL(testDatabaseServer());
  server.pathname = `/t_${randomBytes(6).toString('hex')}`;
  return server.toString();
}

/** Connects mongoose to a fresh database with every index in place; the returned function drops it. */
export async function useFreshDatabase(): Promise<() => Promise<void>> {
  const uri = freshDatabaseUri();
  await mongoose.connect(uri, { autoIndex: false, serverSelectionTimeoutMS: 10_000 });
  await Promise.all([...domainModels, SystemEvent, ...oidcPayloadModels()].map((model) => model.createIndexes()));
  return async () => {
    await mongoose.connection.db?.dropDatabase();
    await mongoose.disconnect();
  };
}
