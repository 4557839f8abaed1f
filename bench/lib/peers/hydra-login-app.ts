// Ory Hydra has no login UI: a deployment brings a login and consent app that Hydra redirects the browser to
// (https://www.ory.sh/docs/hydra/guides/login, …/guides/consent). This is the bench's, as small as one can be: a
// sign-in form, the password checked with Castellan's own argon2id function and parameters, the login accepted
// through Hydra's admin API, and consent given without a page (as Castellan's first-party applications skip it).
// It runs as a process of its own so that its CPU counts as Hydra's. Settings: PORT, HYDRA_ADMIN (URL), USERS (JSON
// array of { loginName, password }).
import http from 'node:http';
import { hashPassword, verifyPassword } from '../../../src/platform/passwords.ts';

const admin = process.env.HYDRA_ADMIN!;
const users = JSON.parse(process.env.USERS!) as Array<{ loginName: string; password: string }>;
const hashes = new Map(
  await Promise.all(users.map(async (user) => [user.loginName, await hashPassword(user.password)] as const)),
);

async function hydra(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${admin}/admin/oauth2/auth/requests/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`Hydra ${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

function redirect(response: http.ServerResponse, location: unknown): void {
  response.writeHead(302, { location: String(location) }).end();
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(response: http.ServerResponse, challenge: string, problem = ''): void {
  response
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    .end(
      `<!doctype html><title>Sign in</title>${problem ? `<p>${escape(problem)}</p>` : ''}` +
        `<form method="post" action="/login"><input type="hidden" name="challenge" value="${escape(challenge)}">` +
        `<input name="username" autocomplete="username"><input name="password" type="password">` +
        `<button>Sign in</button></form>`,
    );
}

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return new URLSearchParams(body);
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET' && url.pathname === '/login') {
    const challenge = url.searchParams.get('login_challenge') ?? '';
    const login = await hydra('GET', `login?login_challenge=${encodeURIComponent(challenge)}`);
    if (login.skip) {
      const accepted = await hydra('PUT', `login/accept?login_challenge=${encodeURIComponent(challenge)}`, {
        subject: login.subject,
      });
      return redirect(response, accepted.redirect_to);
    }
    return signInPage(response, challenge);
  }
  if (request.method === 'POST' && url.pathname === '/login') {
    const form = await readForm(request);
    const challenge = form.get('challenge') ?? '';
    const loginName = form.get('username') ?? '';
    if (!(await verifyPassword(hashes.get(loginName), form.get('password') ?? '')))
      return signInPage(response, challenge, 'Wrong user name or password.');
    const accepted = await hydra('PUT', `login/accept?login_challenge=${encodeURIComponent(challenge)}`, {
      subject: loginName,
      remember: false,
    });
    return redirect(response, accepted.redirect_to);
  }
  if (request.method === 'GET' && url.pathname === '/consent') {
    const challenge = encodeURIComponent(url.searchParams.get('consent_challenge') ?? '');
    const consent = await hydra('GET', `consent?consent_challenge=${challenge}`);
    const accepted = await hydra('PUT', `consent/accept?consent_challenge=${challenge}`, {
      grant_scope: consent.requested_scope,
      grant_access_token_audience: consent.requested_access_token_audience,
      remember: false,
      session: { id_token: { preferred_username: consent.subject } },
    });
    return redirect(response, accepted.redirect_to);
  }
  // The bench waits for this before it starts Hydra.
  if (url.pathname === '/health') return void response.writeHead(200).end('ok');
  response.writeHead(404).end();
}

http
  .createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error(`ERROR ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(502).end();
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('hydra login app listening'));
