import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOGIN_MESSAGES, loginProblem, type LoginFacts } from '../../src/domain/rules/login-checks.ts';
import { emptyProgress, nextStep, stepReachable } from '../../src/domain/rules/login-steps.ts';
import { defaultLoginPolicy } from '../../src/domain/rules/login-policy.ts';

const allowed: LoginFacts = {
  user: { orgId: 'org-a', state: 'active', type: 'human' },
  userOrg: { state: 'active' },
  requiredOrgId: null,
  application: { state: 'active' },
  project: { orgId: 'org-owner', state: 'active', projectRoleCheck: false, hasProjectCheck: false },
  userHasActiveGrant: false,
  userOrgHasActiveProjectGrant: false,
};
const withProject = (
  project: Partial<NonNullable<LoginFacts['project']>>,
  facts: Partial<LoginFacts> = {},
): LoginFacts => ({ ...allowed, ...facts, project: { ...allowed.project!, ...project } });

describe('login checks (ZITADEL messages)', () => {
  it('allows an active user of an active org into an active app with no checks', () => {
    assert.equal(loginProblem(allowed), null);
  });

  it('refuses by user state, org membership and the states of org, app and project', () => {
    assert.equal(loginProblem({ ...allowed, user: { ...allowed.user, state: 'locked' } }), LOGIN_MESSAGES.userLocked);
    assert.equal(
      loginProblem({ ...allowed, user: { ...allowed.user, state: 'inactive' } }),
      LOGIN_MESSAGES.userInactive,
    );
    assert.equal(loginProblem({ ...allowed, user: { ...allowed.user, type: 'machine' } }), LOGIN_MESSAGES.userNotFound);
    assert.equal(
      loginProblem({ ...allowed, requiredOrgId: 'org-b' }),
      'User is no member of the required organization',
    );
    assert.equal(loginProblem({ ...allowed, requiredOrgId: 'org-a' }), null);
    assert.equal(loginProblem({ ...allowed, userOrg: { state: 'inactive' } }), LOGIN_MESSAGES.orgInactive);
    assert.equal(loginProblem({ ...allowed, application: null }), LOGIN_MESSAGES.appInactive);
    assert.equal(loginProblem(withProject({ state: 'inactive' })), LOGIN_MESSAGES.projectInactive);
  });

  it('projectRoleCheck needs an active user grant (roles or not)', () => {
    assert.equal(
      loginProblem(withProject({ projectRoleCheck: true })),
      'Login not possible. The user is required to have at least one grant on the application. ' +
        'Please contact your administrator.',
    );
    assert.equal(loginProblem(withProject({ projectRoleCheck: true }, { userHasActiveGrant: true })), null);
  });

  it("hasProjectCheck needs the user's own org to own the project or hold a grant for it", () => {
    assert.equal(
      loginProblem(withProject({ hasProjectCheck: true })),
      'Login not possible. The organization of the user must be granted to the project. ' +
        'Please contact your administrator.',
    );
    assert.equal(loginProblem(withProject({ hasProjectCheck: true }, { userOrgHasActiveProjectGrant: true })), null);
    assert.equal(loginProblem(withProject({ hasProjectCheck: true, orgId: 'org-a' })), null, 'the owner org');
    // A user grant from another org does not satisfy hasProjectCheck.
    assert.equal(
      loginProblem(withProject({ hasProjectCheck: true }, { userHasActiveGrant: true })),
      LOGIN_MESSAGES.projectRequired,
    );
  });
});

describe('login steps', () => {
  it('asks for the login name, then the password, then is done', () => {
    const policy = defaultLoginPolicy;
    assert.equal(nextStep(policy, emptyProgress()), 'login-name');
    const identified = { ...emptyProgress(), userId: 'u', loginName: 'alice' };
    assert.equal(nextStep(policy, identified), 'password');
    assert.equal(nextStep(policy, { ...identified, amr: ['pwd'] }), 'authenticated');
  });

  it('never reports "authenticated" without a method, even when the policy allows none', () => {
    const policy = { ...defaultLoginPolicy, allowUsernamePassword: false };
    assert.equal(nextStep(policy, { ...emptyProgress(), userId: 'u' }), 'no-method');
  });

  it('an unknown user (ignoreUnknownUsernames) reaches the password step but can never be authenticated', () => {
    const progress = { ...emptyProgress(), unknownUser: true, loginName: 'ghost' };
    assert.equal(nextStep(defaultLoginPolicy, progress), 'password');
    assert.equal(nextStep(defaultLoginPolicy, { ...progress, amr: ['pwd'] }), 'no-method');
  });

  it('a later step is not reachable before the earlier ones are done', () => {
    assert.equal(stepReachable('password', defaultLoginPolicy, emptyProgress()), false);
    assert.equal(stepReachable('password', defaultLoginPolicy, { ...emptyProgress(), userId: 'u' }), true);
    assert.equal(
      stepReachable('login-name', defaultLoginPolicy, { ...emptyProgress(), userId: 'u' }),
      true,
      'going back is allowed',
    );
  });
});
