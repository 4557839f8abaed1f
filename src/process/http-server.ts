import http from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../platform/config.ts';

const REFUSED = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n';

/**
 * The HTTP server with limits against slow and greedy clients: a request's headers must arrive within
 * `headersTimeoutMs` and the whole request within `requestTimeoutMs` (Node answers 408 and closes; the check
 * runs often enough to cut a connection soon after its limit), idle keep-alive sockets close after
 * `keepAliveTimeoutMs`, and one client address holds at most `maxConnectionsPerIp` sockets (per process):
 * a connection over the cap is answered 503 and closed before a request on it is read.
 */
export function createHttpServer(limits: Config['http'], handler: http.RequestListener): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  if (limits.maxConnectionsPerIp > 0) capConnectionsPerAddress(server, limits.maxConnectionsPerIp);
  return server;
}

function capConnectionsPerAddress(server: http.Server, cap: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= cap) {
      // Written at once (libuv writes small buffers straight to the kernel); destroyed before any request is read.
      socket.end(REFUSED);
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
