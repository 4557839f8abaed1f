// The outbound-fetch guard (platform/outbound-fetch.ts) against a real DNS server on loopback (dns2) and a real
// receiver on loopback: private addresses refused by name and by literal, a name resolved once per connection (a
// record that turns to loopback after the check never gets the request), redirects followed hop by hop.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guardedFetch, type OutboundPolicy } from '../../src/platform/outbound-fetch.ts';
import { startReceiver } from '../actions/helpers.ts';
import { startTestDns, type TestDns } from '../helpers/dns.ts';

let dns: TestDns;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let port: number;
let guarded: OutboundPolicy;
let open: OutboundPolicy;

before(async () => {
  dns = await startTestDns();
  receiver = await startReceiver();
  port = Number(new URL(receiver.url).port);
  guarded = { allowPrivateAddresses: false, dnsServers: [dns.address] };
  open = { allowPrivateAddresses: true, dnsServers: [dns.address] };
});
after(async () => {
  await receiver.close();
  await dns.stop();
});

describe('the outbound-fetch guard', () => {
  it('refuses a name that resolves to loopback, and never connects', async () => {
    dns.zone.set('loopback.example', { a: ['127.0.0.1'] });
    const sent = receiver.received.length;
    await assert.rejects(
      guardedFetch(guarded)(`http://loopback.example:${port}/hook`),
      /loopback.example is a private or special-use address \(127.0.0.1\)/,
    );
    assert.equal(receiver.received.length, sent);
  });

  it('refuses private, loopback, link-local and mapped literals before any connection', async () => {
    for (const host of ['127.0.0.1', '[::1]', '169.254.169.254', '10.1.2.3', '[::ffff:7f00:1]', '[fd00:ec2::254]']) {
      await assert.rejects(guardedFetch(guarded)(`http://${host}:${port}/hook`), /private or special-use/, host);
    }
  });

  it('resolves once and connects to the checked address: a record re-pointed to loopback is never reached', async () => {
    // The first answer is a public (documentation, unroutable) address, every later one loopback: a guard that
    // checked the name and then let fetch resolve it again would connect to the receiver.
    dns.zone.set('rebind.example', { aSequence: [['203.0.113.7'], ['127.0.0.1']] });
    const sent = receiver.received.length;
    await assert.rejects(
      guardedFetch(guarded)(`http://rebind.example:${port}/hook`, { signal: AbortSignal.timeout(1_500) }),
    );
    assert.equal(dns.aQuestions.get('rebind.example'), 1);
    assert.equal(receiver.received.length, sent);
  });

  it('with private addresses allowed, connects to the address its own resolver vetted, Host header kept', async () => {
    dns.zone.set('receiver.example', { a: ['127.0.0.1'] });
    const response = await guardedFetch(open)(`http://receiver.example:${port}/hook`);
    assert.equal(response.status, 200);
    assert.equal(receiver.received.at(-1)?.headers.host, `receiver.example:${port}`);
  });

  it('follows redirects hop by hop, each hop checked (303: GET; no authorization to another origin)', async () => {
    const hops = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://hops');
      const to = url.searchParams.get('to');
      if (to) response.writeHead(303, { location: to }).end();
      else response.end(JSON.stringify({ method: request.method, authorization: request.headers.authorization }));
    });
    await new Promise<void>((resolve) => hops.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(hops.address() as AddressInfo).port}`;
    dns.zone.set('hops.example', { a: ['127.0.0.1'] });
    try {
      const landing = `http://hops.example:${(hops.address() as AddressInfo).port}/landed`;
      const followed = await guardedFetch(open)(`${base}/start?to=${encodeURIComponent(landing)}`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret' },
        body: 'x',
      });
      assert.deepEqual(await followed.json(), { method: 'GET' });
      const toFile = `${base}/start?to=${encodeURIComponent('file:///etc/passwd')}`;
      await assert.rejects(guardedFetch(open)(toFile), /cannot fetch file: URLs/);
      const manual = await guardedFetch(open)(`${base}/start?to=${encodeURIComponent(landing)}`, {
        redirect: 'manual',
      });
      assert.equal(manual.status, 303);
    } finally {
      hops.closeAllConnections();
      await new Promise((resolve) => hops.close(resolve));
    }
  });
});
