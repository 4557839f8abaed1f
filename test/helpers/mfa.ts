// Orgs with a login policy of their own and a user in them, and the second-factor pages driven like a browser without
// JavaScript (test/helpers/login.ts): the TOTP secret and the recovery codes are read from the pages that show them.
import { randomUUID } from 'node:crypto';
import { DEMO_CLIENT_ID, demoClientSecret } from '../../src/domain/setup/demo.ts';
import { totpCode } from '../../src/platform/one-time-codes.ts';
import { call } from '../api/helpers.ts';
import type { TestServer } from './server.ts';
import {
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
  type Browsing,
  type CookieJar,
  type LoginFlow,
  type LoginOptions,
} from './login.ts';

export const PASSWORD = 'Sec0nd-Factor-Pass!';

export interface OrgUser {
  orgId: string;
  userId: string;
  username: string;
}

/** A new org with `policy` as its login policy override, and a human user with PASSWORD (and `userFields`) in it. */
export async function orgWithUser(
  server: TestServer,
  admin: string,
  policy: Record<string, unknown>,
  userFields: Record<string, unknown> = {},
): Promise<OrgUser> {
  const suffix = randomUUID().slice(0, 8);
  const org = await call(server, admin, 'POST', '/orgs', { name: `MFA ${suffix}` });
  if (org.status !== 201) throw new Error(`org: ${JSON.stringify(org.body)}`);
  const orgId = org.body.id as string;
  const set = await call(server, admin, 'PUT', `/orgs/${orgId}/login-policy`, policy);
  if (set.status !== 200) throw new Error(`policy: ${JSON.stringify(set.body)}`);
  const username = `mfa-${suffix}`;
  const user = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
    username,
    email: `${username}@example.com`,
    givenName: 'Mia',
    familyName: 'Factor',
    password: PASSWORD,
    ...userFields,
  });
  if (user.status !== 201) throw new Error(`user: ${JSON.stringify(user.body)}`);
  return { orgId, userId: user.body.id as string, username };
}

export function demoLogin(server: TestServer, extra: Partial<LoginOptions> = {}): LoginOptions {
  return {
    baseUrl: server.url,
    clientId: DEMO_CLIENT_ID,
    clientSecret: demoClientSecret(server.services.masterKey),
    redirectUri: `${server.url}/demo/callback`,
    scope: 'openid',
    ...extra,
  };
}

/** Authorize, login name and password: the flow stops on the page after the password (or at the callback). */
export async function passwordStep(
  server: TestServer,
  username: string,
  extra: { jar?: CookieJar; extraParams?: Record<string, string> } = {},
): Promise<LoginFlow> {
  let flow = await startLogin(demoLogin(server, extra));
  if (flow.page) flow = await submitLoginName(flow, username);
  if (flow.page) flow = await submitPassword(flow, PASSWORD);
  return flow;
}

/** The base32 secret the set-up page shows as text. */
export function shownSecret(html: string): string {
  const match = /id="totp-secret"[^>]*>([^<]+)</.exec(html);
  if (!match) throw new Error(`no secret on the page:\n${html.slice(0, 1500)}`);
  return match[1]!.replace(/\s/g, '');
}

export function shownRecoveryCodes(html: string): string[] {
  return [...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((match) => match[1]!);
}

/** The code of the step after the current one: accepted (±1 step) and never the same as the current step's. */
export function nextStepCode(secret: string): string {
  return totpCode(secret, Date.now() + 30_000);
}

/** On the set-up page: confirms the app with the current code; returns the flow (recovery codes page) and secret. */
export async function confirmSetup(flow: LoginFlow): Promise<{ flow: LoginFlow; secret: string; codes: string[] }> {
  const secret = shownSecret(flow.page!.html);
  const confirmed = await submitForm(flow, { code: totpCode(secret) });
  return { flow: confirmed, secret, codes: shownRecoveryCodes(confirmed.page?.html ?? '') };
}

/** Submits the form of the page whose action ends in `action` (submitForm takes the first form). */
export function submitFormTo<T extends Browsing>(flow: T, action: string, fields: Record<string, string>): Promise<T> {
  const html = flow.page!.html;
  const at = html.search(new RegExp(`<form\\b[^>]*action="[^"]*${action}"`));
  if (at < 0) throw new Error(`no form posting to ${action} on the page`);
  return submitForm({ ...flow, page: { ...flow.page!, html: html.slice(at) } }, fields);
}

/**
 * A user of an org forcing MFA (and `policy`) who has set up TOTP through the login, with their secret and recovery
 * codes.
 */
export async function enrolledTotpUser(server: TestServer, admin: string, policy: Record<string, unknown> = {}) {
  const user = await orgWithUser(server, admin, { forceMfa: true, ...policy });
  const setup = await confirmSetup(await passwordStep(server, user.username));
  const done = await submitForm(setup.flow, {});
  if (!done.callbackUrl?.searchParams.get('code')) throw new Error('the login did not finish after the recovery codes');
  return { ...user, secret: setup.secret, recoveryCodes: setup.codes };
}

/** Whether the flow stopped on a login page with a form posting to `action` (e.g. `/mfa-setup`). */
export function onStep(flow: LoginFlow, action: string): boolean {
  return Boolean(flow.page && new RegExp(`action="/ui/login/[^/"]+${action}"`).test(flow.page.html));
}
