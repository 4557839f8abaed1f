// Token exchange requests (RFC 8693) through openid-client's generic grant, and the instance settings they depend on.
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { updateInstanceSettings } from '../../src/domain/commands/instance-settings.ts';
import type { InstanceSettingsOverride } from '../../src/domain/rules/instance-settings.ts';
import { Event } from '../../src/store/models/index.ts';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  userId: 'urn:zitadel:params:oauth:token-type:user_id',
} as const;

export type ExchangeParams = Record<string, string | string[]>;

function form(params: ExchangeParams): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  return body;
}

export function exchange(config: client.Configuration, params: ExchangeParams) {
  return client.genericGrantRequest(config, TOKEN_EXCHANGE, form(params));
}

export interface Refusal {
  status: number;
  error: string;
  description: string | undefined;
}

/** The OAuth error a refused exchange answers with. */
export async function refusal(config: client.Configuration, params: ExchangeParams): Promise<Refusal> {
  try {
    await exchange(config, params);
  } catch (error) {
    if (error instanceof client.ResponseBodyError)
      return { status: error.status, error: error.error, description: error.error_description };
    throw error;
  }
  assert.fail('the exchange was expected to be refused');
}

export function changeSettings(instanceId: string, change: InstanceSettingsOverride): Promise<unknown> {
  return updateInstanceSettings({ instanceId, actorId: 'token-exchange-test' }, change);
}

/** The audit events of exchanges for `subjectId`, oldest first. */
export function exchangeEvents(instanceId: string, subjectId: string) {
  return Event.find({ instanceId, resourceId: subjectId, type: { $in: ['user.token.exchanged', 'user.impersonated'] } })
    .sort({ createdAt: 1, _id: 1 })
    .lean();
}
