import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTestDns, type TestDns } from '../helpers/dns.ts';
import { bootstrapToken, call } from './helpers.ts';

// The routes that call out (the SMTP test message, an org domain's HTTP challenge) answer within their configured
// timeout even when the other side trickles bytes forever: an idle-socket timeout alone never fires then, and the
// API request (and a fuzzer driving it, scripts/fuzz.ts) would hang for minutes.

const TIMEOUT_MS = 500;
/** What an answer may take beyond the timeout (database writes, the event, a loaded machine). */
const SLACK_MS = 1500;

let server: TestServer;
let admin: string;
let dns: TestDns;
/** An HTTP server that sends header lines forever; an SMTP server that sends greeting lines forever. */
let slowWeb: net.Server;
let slowMail: net.Server;
/** An SMTP server that greets, then answers every command with continuation lines forever. */
let slowReplies: net.Server;
let configDir: string;
const sockets = new Set<net.Socket>();

/** Accepts connections and sends `first`, then `line` every 100 ms, never finishing what `first` started. */
async function startTrickler(first: string, line: string): Promise<net.Server> {
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.write(first);
    const timer = setInterval(() => socket.write(line), 100);
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return tcp;
}

const portOf = (tcp: net.Server) => (tcp.address() as net.AddressInfo).port;

before(async () => {
  dns = await startTestDns();
  dns.zone.set('slow.example', { a: ['127.0.0.1'] });
  slowWeb = await startTrickler('HTTP/1.1 200 OK\r\n', 'X-Slow: yes\r\n');
  slowMail = await startTrickler('220-mail.test\r\n', '220-still here\r\n');
  slowReplies = await startTrickler('220 mail.test\r\n', '250-still here\r\n');
  configDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-outbound-'));
  const config = path.join(configDir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ domainVerification: { timeoutMs: TIMEOUT_MS }, email: { smtpTimeoutMs: TIMEOUT_MS } }),
  );
  server = await startTestServer({
    CASTELLAN_CONFIG: config,
    DOMAIN_VERIFICATION_DNS_SERVER: dns.address,
    DOMAIN_VERIFICATION_HTTP_SCHEME: 'http',
    DOMAIN_VERIFICATION_HTTP_PORT: String(portOf(slowWeb)),
  });
  admin = await bootstrapToken(server);
});
after(async () => {
  await server.stop();
  await dns.stop();
  for (const socket of sockets) socket.destroy();
  slowWeb.close();
  slowMail.close();
  slowReplies.close();
  rmSync(configDir, { recursive: true, force: true });
});

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

test('an HTTP domain challenge that never finishes answering fails within the timeout', async () => {
  const org = await call(server, admin, 'POST', '/orgs', { name: 'Slow Domains' });
  const orgId = org.body.id as string;
  assert.equal((await call(server, admin, 'POST', `/orgs/${orgId}/domains`, { domain: 'slow.example' })).status, 201);
  const validation = { type: 'http' };
  assert.equal(
    (await call(server, admin, 'POST', `/orgs/${orgId}/domains/slow.example/validation`, validation)).status,
    200,
  );
  const { result, ms } = await timed(() => call(server, admin, 'POST', `/orgs/${orgId}/domains/slow.example/verify`));
  assert.equal(result.status, 400);
  assert.match(String(result.body.detail), /the check failed/);
  assert.ok(ms < TIMEOUT_MS + SLACK_MS, `answered after ${ms} ms`);
});

for (const [name, slowServer] of [
  ['never finishes its greeting', () => slowMail],
  ['never finishes a reply', () => slowReplies],
] as const)
  test(`an SMTP server that ${name} fails the test message within the timeout`, async () => {
    const smtp = { host: '127.0.0.1', port: portOf(slowServer()), tls: 'none', senderAddress: 'login@castellan.test' };
    assert.equal((await call(server, admin, 'PUT', '/instance/smtp', smtp)).status, 200);
    const test = () => call(server, admin, 'POST', '/instance/smtp/test', { to: 'ops@mail.test' });
    const { result, ms } = await timed(test);
    assert.equal(result.status, 200);
    assert.equal(result.body.sent, false);
    // The whole exchange is bounded by the outbox lease's rule (config.ts: 3 × smtpTimeoutMs).
    assert.ok(ms < 3 * TIMEOUT_MS + SLACK_MS, `answered after ${ms} ms`);
  });
