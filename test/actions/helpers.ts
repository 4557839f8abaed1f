import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call } from '../api/helpers.ts';
import type { TestServer } from '../helpers/server.ts';

/** Creates an action through the API (201), returning its id and, for a target, its signing key. */
export async function createAction(
  server: TestServer,
  token: string,
  base: string,
  settings: Record<string, unknown>,
): Promise<{ id: string; signingKey: string | null }> {
  const response = await call(server, token, 'POST', `${base}/actions`, settings);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { id: response.body.id as string, signingKey: response.body.signingKey as string | null };
}

/** Attaches actions to a trigger through the API (204). */
export async function attach(
  server: TestServer,
  token: string,
  base: string,
  flow: string,
  trigger: string,
  actionIds: string[],
): Promise<void> {
  const response = await call(server, token, 'PUT', `${base}/flows/${flow}/triggers/${trigger}`, { actionIds });
  assert.equal(response.status, 204, JSON.stringify(response.body));
}

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP receiver: records every request and answers with `answer` (status and JSON body). */
export async function startReceiver(
  answer: (request: Received) => { status: number; body?: unknown } = () => ({ status: 200 }),
  port = 0,
): Promise<{ url: string; host: string; received: Received[]; server: Server; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const { status, body } = answer(entry);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? '' : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    host: `127.0.0.1:${bound}`,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
