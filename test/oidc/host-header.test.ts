// The Host header selects the instance and nothing else: every URL the server emits (discovery, redirects,
// form actions, pages) is on the instance's issuer, and a host no instance is registered for gets a 404.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { Instance } from '../../src/store/models/index.ts';
import { parseForm } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ALIAS = 'alias.castellan.test';
const FOREIGN = 'evil.example';

let server: TestServer;
let port: number;

before(async () => {
  server = await startTestServer();
  port = Number(new URL(server.config.publicUrl).port);
  await Instance.updateOne({ _id: server.bootstrap.instanceId }, { $addToSet: { domains: ALIAS } });
});
after(() => server.stop());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to the server on loopback with a Host header of the caller's choosing (fetch cannot set one). */
function send(
  host: string,
  path: string,
  options: { method?: string; form?: Record<string, string>; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const headers: Record<string, string> = { host, accept: 'text/html', ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers });
    request.on('error', reject);
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
    });
    request.end(body);
  });
}

function assertNoMention(answer: Answer, name: string, what: string): void {
  const headers = JSON.stringify(answer.headers).toLowerCase();
  assert.ok(!headers.includes(name), `${what}: a response header names ${name}: ${headers}`);
  assert.ok(
    !answer.body.toLowerCase().includes(name),
    `${what}: the body names ${name}:\n${answer.body.slice(0, 1500)}`,
  );
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'introspection_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
];

describe('the Host header', () => {
  it('discovery under a known alias host lists only the issuer’s URLs', async () => {
    for (const host of [`${ALIAS}:${port}`, ALIAS, `127.0.0.1:${port}`]) {
      const answer = await send(host, '/.well-known/openid-configuration', { headers: { accept: 'application/json' } });
      assert.equal(answer.status, 200, host);
      const discovery = JSON.parse(answer.body) as Record<string, unknown>;
      assert.equal(discovery.issuer, server.config.publicUrl);
      for (const name of ENDPOINTS) {
        assert.equal(typeof discovery[name], 'string', `${name} is published`);
        assert.ok(
          (discovery[name] as string).startsWith(`${server.config.publicUrl}/`),
          `${host}: ${name} = ${String(discovery[name])}`,
        );
      }
      assertNoMention(answer, host.replace(/:\d+$/, ''), host);
    }
  });

  it('an unknown host gets a 404 that does not repeat it, on every kind of path', async () => {
    for (const path of ['/.well-known/openid-configuration', '/oauth/v2/keys', '/oidc/v1/end_session', '/demo/login']) {
      for (const host of [FOREIGN, `${FOREIGN}:${port}`, `localhost.${FOREIGN}`]) {
        const answer = await send(host, path);
        assert.equal(answer.status, 404, `${host}${path}`);
        assertNoMention(answer, FOREIGN, `${host}${path}`);
      }
    }
  });

  it('the logout confirmation form posts to the issuer', async () => {
    const answer = await send(ALIAS, '/oidc/v1/end_session');
    assert.equal(answer.status, 200);
    const form = parseForm(answer.body, server.config.publicUrl);
    assert.equal(form?.action, `${server.config.publicUrl}/oidc/v1/end_session/confirm`);
    assertNoMention(answer, ALIAS, 'end_session');
  });

  it('a whole login under an alias host: every redirect, page and form stays on the issuer', async () => {
    const cookies = new Map<string, string>();
    const remember = (answer: Answer): void => {
      for (const line of answer.headers['set-cookie'] ?? []) {
        const [pair] = line.split(';');
        const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
        else cookies.set(name, value);
      }
    };
    const cookie = (): string => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const pathOf = (url: string): string => {
      const target = new URL(url, server.config.publicUrl);
      assert.equal(target.origin, server.config.publicUrl, `a URL off the issuer: ${url}`);
      return target.pathname + target.search;
    };
    let answer = await send(ALIAS, '/demo/login');
    const seen: Answer[] = [answer];
    const fields: Array<Record<string, string>> = [{ loginName: 'alice' }, { password: DEMO_PASSWORD }];
    for (let hops = 0; hops < 20 && !(answer.status === 200 && fields.length === 0); hops++) {
      remember(answer);
      if (answer.status >= 300 && answer.status < 400) {
        answer = await send(ALIAS, pathOf(answer.headers.location!), { cookie: cookie() });
      } else {
        assert.equal(answer.status, 200, answer.body.slice(0, 1500));
        const form = parseForm(answer.body, server.config.publicUrl)!;
        answer = await send(ALIAS, pathOf(form.action), {
          method: 'POST',
          form: { ...form.inputs, ...fields.shift() },
          cookie: cookie(),
        });
      }
      seen.push(answer);
    }
    assert.equal(answer.status, 200);
    assert.match(answer.body, /id="id-token"/, 'the demo result page');
    assert.ok(seen.length >= 6, `${seen.length} responses`);
    for (const [index, each] of seen.entries()) assertNoMention(each, ALIAS, `response ${index}`);
  });
});
