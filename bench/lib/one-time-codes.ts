import { sealTotpSecret } from '../../src/domain/commands/user-factors.ts';
import type { MasterKey } from '../../src/platform/crypto.ts';
import { newTotpSecret } from '../../src/platform/one-time-codes.ts';

/**
 * An authenticator app for each user (the factor documents the login's set-up would write), and its secret (the
 * load generator computes the codes, bench/lib/login-flow.ts). One secret for all: a code is refused only as a replay
 * on the same factor, and each user has a factor of its own.
 */
export function totpSetUp(
  scope: { instanceId: string; orgId: string; masterKey: MasterKey },
  userIds: string[],
): { factors: Array<Record<string, unknown>>; secret: string } {
  const secret = newTotpSecret();
  const factors = userIds.map((userId) => ({
    instanceId: scope.instanceId,
    userId,
    orgId: scope.orgId,
    type: 'totp',
    name: 'Authenticator app',
    state: 'active',
    totp: { sealedSecret: sealTotpSecret(scope.masterKey, secret), lastUsedStep: 0 },
  }));
  return { factors, secret };
}
