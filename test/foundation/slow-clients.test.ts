// Slow and greedy clients: a connection that trickles its headers or its body is cut at the configured limit,
// and one client address cannot hold more than the configured number of connections.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/platform/config.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const CAP = 4;

let server: TestServer;
let port: number;

before(async () => {
  server = await startTestServer({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_MAX_CONNECTIONS_PER_IP: String(CAP),
  });
  port = Number(new URL(server.config.publicUrl).port);
});
after(() => server.stop());

interface Trickle {
  /** Milliseconds from connecting until the server closed the socket (null: still open when we gave up). */
  closedAfterMs: number | null;
  answer: string;
}

/** Connects from `localAddress`, writes `head`, then one byte of `drip` every `everyMs`, for at most `giveUpMs`. */
function trickle(
  head: string,
  drip: string,
  everyMs: number,
  giveUpMs: number,
  localAddress = '127.0.0.1',
): Promise<Trickle> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    let answer = '';
    let index = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(drip[index++ % drip.length]!);
    }, everyMs);
    const giveUp = setTimeout(() => finish(null), giveUpMs);
    function finish(closedAfterMs: number | null): void {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, answer });
    }
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(Date.now() - started));
    socket.on('connect', () => socket.write(head));
  });
}

/** One GET /healthz on a socket of its own from `localAddress`: its status, or 'refused' when closed unanswered. */
function healthz(localAddress = '127.0.0.1'): Promise<{ status: number | 'refused'; socket: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    let answer = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ status: status ? Number(status[1]) : 'refused', socket });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'));
  });
}

describe('slow clients', () => {
  it('a socket trickling its headers byte by byte is closed at the headers timeout, with a 408', async () => {
    const results = await Promise.all(
      // Sixteen sockets (the attack's count), from four addresses so that the per-address cap does not refuse them.
      Array.from({ length: 16 }, (_, index) =>
        trickle(
          'GET / HTTP/1.1\r\nHost: localhost\r\n',
          'X-Slow: aaaaaaaa\r\n',
          100,
          10_000,
          `127.0.0.${10 + (index % 4)}`,
        ),
      ),
    );
    for (const result of results) {
      assert.ok(result.closedAfterMs !== null, 'the server closed the socket');
      assert.ok(result.closedAfterMs >= HEADERS_TIMEOUT_MS - 50, `not before the limit: ${result.closedAfterMs} ms`);
      assert.ok(result.closedAfterMs < HEADERS_TIMEOUT_MS + 500, `soon after the limit: ${result.closedAfterMs} ms`);
      assert.match(result.answer, /^HTTP\/1\.1 408/);
    }
  });

  it('a socket trickling its body is closed at the request timeout', async () => {
    const head =
      'POST /oauth/v2/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n';
    const result = await trickle(`${head}Content-Length: 1000\r\n\r\n`, 'a', 100, 10_000);
    assert.ok(result.closedAfterMs !== null, 'the server closed the socket');
    assert.ok(result.closedAfterMs < REQUEST_TIMEOUT_MS + 500, `soon after the limit: ${result.closedAfterMs} ms`);
  });

  it(`one address holds at most ${CAP} connections; other addresses and freed slots still work`, async () => {
    const held = await Promise.all(Array.from({ length: CAP }, () => healthz()));
    assert.deepEqual(
      held.map((each) => each.status),
      Array(CAP).fill(200),
    );
    // The keep-alive sockets stay open: the next one from the same address is refused, unanswered or with a 503.
    const over = await healthz();
    assert.ok(over.status === 'refused' || over.status === 503, `over the cap: ${over.status}`);
    const otherAddress = await healthz('127.0.0.2');
    assert.equal(otherAddress.status, 200, 'another client address is served');
    otherAddress.socket.destroy();
    held[0]!.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const freed = await healthz();
    assert.equal(freed.status, 200, 'a freed slot is served again');
    for (const each of [...held, over, freed]) each.socket.destroy();
  });

  it('the limits are validated', () => {
    assert.throws(
      () => loadConfig({ DATA_DIR: '/tmp', HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
      /headersTimeoutMs must not exceed requestTimeoutMs/,
    );
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp', HTTP_MAX_CONNECTIONS_PER_IP: '-1' }), /maxConnectionsPerIp/);
    assert.throws(() => loadConfig({ DATA_DIR: '/tmp', HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' }), /keepAliveTimeoutMs/);
  });
});
