/**
 * Token exchange's reads and writes beyond the tokens: whether the actor may impersonate the subject (its and the
 * subject's memberships, the instance's security setting) and the audit event of every exchange.
 */
import { recordEvent, type RequestOrigin } from '../store/queries/events.ts';
import { instanceSettings } from './commands/instance-settings.ts';
import { membershipsOfUser } from './commands/memberships.ts';
import { loadRolePermissions } from './role-permissions.ts';
import { resolvePermissions, type MembershipFacts } from './rules/permissions.ts';
import { decideImpersonation, type ImpersonationDecision } from './rules/token-exchange.ts';

/** Read once per process, as the management API reads it (http/api/index.ts). */
let rolePermissions: ReturnType<typeof loadRolePermissions> | null = null;

/** Whether the user `actorId` may act as `subject` (a user of the org `subject.orgId`). */
export async function impersonationDecision(
  instanceId: string,
  actorId: string,
  subject: { userId: string; orgId: string },
): Promise<ImpersonationDecision> {
  rolePermissions ??= loadRolePermissions();
  const [settings, actorMemberships, subjectMemberships] = await Promise.all([
    instanceSettings(instanceId),
    membershipsOfUser(instanceId, actorId),
    membershipsOfUser(instanceId, subject.userId),
  ]);
  return decideImpersonation({
    enabled: settings.security.enableImpersonation,
    actorPermissions: resolvePermissions(actorMemberships as MembershipFacts[], rolePermissions),
    subject: { orgId: subject.orgId, memberships: subjectMemberships as MembershipFacts[] },
  });
}

/** One identity in an exchange: a user of the instance (RFC 8693 §4.1 `act`: `sub` within `iss`). */
export interface ExchangeParty {
  userId: string;
  orgId: string;
}

export interface TokenExchangeRecord {
  instanceId: string;
  /** Whose identity the exchanged token carries. */
  subject: ExchangeParty;
  /** Who acts (the actor token's user); the subject itself when no actor token was sent. */
  actor: ExchangeParty;
  /** An actor token was sent: the actor acts as the subject (impersonation or delegation). */
  impersonation: boolean;
  issuedTokenType: string;
  scope: string[];
  audience: string[];
  origin: RequestOrigin;
}

/**
 * Every exchange, on the subject user, by the acting user: `user.impersonated` when an actor acted as the subject
 * (impersonation or delegation, ZITADEL's "User impersonated" event), `user.token.exchanged` for a subject's own
 * token exchanged for another.
 */
export async function recordTokenExchange(record: TokenExchangeRecord): Promise<void> {
  const { subject, actor } = record;
  await recordEvent({
    instanceId: record.instanceId,
    orgId: subject.orgId,
    actorId: actor.userId,
    type: record.impersonation ? 'user.impersonated' : 'user.token.exchanged',
    resourceType: 'user',
    resourceId: subject.userId,
    payload: {
      subject: { userId: subject.userId, orgId: subject.orgId },
      actor: { userId: actor.userId, orgId: actor.orgId },
      issuedTokenType: record.issuedTokenType,
      scope: record.scope,
      audience: record.audience,
      ...record.origin,
    },
  });
}
