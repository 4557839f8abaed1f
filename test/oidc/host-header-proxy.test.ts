// Behind a TLS-terminating proxy (an https issuer, so forwarded headers are trusted): X-Forwarded-Host selects the
// instance like Host does, an unknown one gets a 404, and neither it nor X-Forwarded-Proto changes a URL.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { Instance } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ALIAS = 'alias.castellan.test';

let server: TestServer;
let port: number;

before(async () => {
  port = await freeLoopbackPort();
  server = await startTestServer({ PORT: String(port), PUBLIC_URL: `https://localhost:${port}` });
  await Instance.updateOne({ _id: server.bootstrap.instanceId }, { $addToSet: { domains: ALIAS } });
});
after(() => server.stop());

function discovery(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/.well-known/openid-configuration', headers });
    request.on('error', reject);
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
  });
}

describe('the Host header behind a proxy', () => {
  it('an unknown X-Forwarded-Host gets a 404, whatever the Host', async () => {
    const answer = await discovery({ host: `localhost:${port}`, 'x-forwarded-host': 'evil.example' });
    assert.equal(answer.status, 404);
    assert.ok(!answer.body.includes('evil.example'));
  });

  it('a known X-Forwarded-Host and any X-Forwarded-Proto: every URL is the https issuer’s', async () => {
    for (const proto of ['https', 'http']) {
      const answer = await discovery({ host: 'evil.example', 'x-forwarded-host': ALIAS, 'x-forwarded-proto': proto });
      assert.equal(answer.status, 200, proto);
      const document = JSON.parse(answer.body) as Record<string, unknown>;
      assert.equal(document.issuer, `https://localhost:${port}`);
      const urls = Object.entries(document).filter(([name]) => name.endsWith('_endpoint') || name === 'jwks_uri');
      assert.ok(urls.length >= 9, `${urls.length} endpoints`);
      for (const [name, url] of urls)
        assert.ok(String(url).startsWith(`https://localhost:${port}/`), `${name}: ${url}`);
      assert.ok(!answer.body.includes(ALIAS) && !answer.body.includes('evil.example'));
    }
  });
});
