/**
 * What a script reads as `ctx.v1` (ZITADEL v1's read-only views: https://zitadel.com/docs/apis/actions/objects): the
 * user, its org and its metadata, as plain data. The guest freezes them (domain/actions/guest-source.ts).
 */

import type { ExternalIdentity } from '../federation/protocol.ts';

type StoredBytes = { buffer: ArrayBufferLike | Uint8Array } | Uint8Array;

export interface ActionUserSource {
  _id?: string | null;
  orgId: string;
  type: string;
  state?: string | null;
  username: string;
  human?: {
    email?: string | null;
    emailVerified?: boolean | null;
    givenName?: string | null;
    familyName?: string | null;
    displayName?: string | null;
    nickname?: string | null;
    locale?: string | null;
    phone?: string | null;
    phoneVerified?: boolean | null;
  } | null;
  machine?: { name?: string | null; description?: string | null } | null;
  metadata?: ReadonlyArray<{ key: string; value: StoredBytes }> | null;
}

export interface ActionOrgSource {
  _id: string;
  name: string;
  primaryDomain: string;
}

export interface ActionContextData {
  v1: {
    user: Record<string, unknown>;
    org: Record<string, unknown> | null;
    /** The external-authentication flow's views of the upstream's identity (ZITADEL's `externalUser`). */
    externalUser?: Record<string, unknown>;
    /** Every claim or attribute the upstream sent (ZITADEL's `providerInfo`). */
    providerInfo?: Record<string, unknown>;
    /** What the app asked for, when a login runs the trigger (ZITADEL's `authRequest`): see authRequestView. */
    authRequest?: Record<string, unknown>;
  };
  metadata: Array<{ key: string; value: unknown }>;
}

function decodeMetadataValue(value: StoredBytes): unknown {
  // A Buffer from a document, or the driver's Binary (whose `buffer` holds the bytes) from a lean read.
  const raw = value instanceof Uint8Array ? value : value.buffer;
  const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
  const text = new TextDecoder().decode(bytes);
  // ZITADEL hands a value that is JSON to the script parsed, any other value as its string.
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function actionUserView(user: ActionUserSource, loginName: string | null): Record<string, unknown> {
  const human = user.human ?? null;
  return {
    id: user._id ?? null,
    orgId: user.orgId,
    type: user.type,
    state: user.state ?? 'active',
    username: user.username,
    preferredLoginName: loginName,
    email: human?.email ?? null,
    emailVerified: human?.emailVerified ?? false,
    firstName: human?.givenName ?? null,
    lastName: human?.familyName ?? null,
    displayName: human?.displayName ?? user.machine?.name ?? null,
    nickName: human?.nickname ?? null,
    preferredLanguage: human?.locale ?? null,
    phone: human?.phone ?? null,
    phoneVerified: human?.phoneVerified ?? false,
    human: human
      ? {
          email: human.email ?? null,
          isEmailVerified: human.emailVerified ?? false,
          firstName: human.givenName ?? null,
          lastName: human.familyName ?? null,
          displayName: human.displayName ?? null,
          preferredLanguage: human.locale ?? null,
          phone: human.phone ?? null,
          isPhoneVerified: human.phoneVerified ?? false,
        }
      : null,
    machine: user.machine ? { name: user.machine.name ?? null, description: user.machine.description ?? null } : null,
  };
}

export function actionContextData(user: ActionUserSource, org: ActionOrgSource | null): ActionContextData {
  return {
    v1: {
      user: actionUserView(user, org ? `${user.username}@${org.primaryDomain}` : null),
      org: org ? { id: org._id, name: org.name, primaryDomain: org.primaryDomain } : null,
    },
    metadata: (user.metadata ?? []).map((entry) => ({ key: entry.key, value: decodeMetadataValue(entry.value) })),
  };
}

/** What the upstream said (federation/protocol.ts), as a script of the external-authentication flow reads it. */
export type ExternalLoginSource = Omit<ExternalIdentity, 'amr'> & { idpId: string };

/** The context an external-authentication trigger adds (https://zitadel.com/docs/apis/actions/objects#external-user). */
export interface ExternalActionContext {
  externalUser: Record<string, unknown>;
  providerInfo: Record<string, unknown>;
}

export function externalActionContext(source: ExternalLoginSource): ExternalActionContext {
  return {
    externalUser: {
      externalId: source.subject,
      externalIdpId: source.idpId,
      human: {
        firstName: source.givenName,
        lastName: source.familyName,
        displayName: source.displayName,
        preferredUsername: source.preferredUsername,
        preferredLanguage: source.locale,
        email: source.email,
        isEmailVerified: source.emailVerified,
      },
    },
    providerInfo: source.raw,
  };
}

/**
 * What a trigger run during a login adds to its data: the upstream's views when the external-authentication flow
 * runs it (a login through an IdP), and the login's authorization request (authRequestView).
 */
export interface LoginActionContext {
  external?: ExternalActionContext;
  authRequest?: Record<string, unknown>;
}

/** The data of a trigger, with what the login under way adds (none outside a login: the API, SCIM, setup). */
export function withLogin(data: ActionContextData, { external, authRequest }: LoginActionContext): ActionContextData {
  return { ...data, v1: { ...data.v1, ...external, ...(authRequest ? { authRequest } : {}) } };
}

/**
 * ZITADEL's `ctx.v1.authRequest` (https://zitadel.com/docs/apis/actions/objects#auth-request), from the authorization
 * request of the login under way: its id (the interaction's), `applicationId` (client_id), `callbackUri`, `prompt`,
 * `uiLocales`, `loginHint`, `maxAuthAge` (seconds) and `request.scopes`, as ZITADEL names them. Read-only (frozen in
 * the guest with the rest of `ctx`).
 */
export function authRequestView(interactionId: string, params: Record<string, unknown>): Record<string, unknown> {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  const words = (value: unknown) => text(value)?.split(' ').filter(Boolean) ?? [];
  const maxAge = Number(params.max_age);
  return {
    id: interactionId,
    applicationId: text(params.client_id),
    callbackUri: text(params.redirect_uri),
    prompt: words(params.prompt),
    uiLocales: words(params.ui_locales),
    loginHint: text(params.login_hint),
    maxAuthAge: params.max_age !== undefined && Number.isFinite(maxAge) ? maxAge : null,
    request: { scopes: words(params.scope) },
  };
}
