import type { LoginPolicy } from './login-policy.ts';
import type { AuthMethod, SecondFactorStep } from './mfa.ts';

/**
 * The login as a sequence of steps. Each step says when it applies and when it is done; the login UI
 * shows the first step that applies and is not done, and finishes the interaction when none is left.
 * Adding MFA, external identity providers or registration means adding a step here and a page for it.
 */
export interface LoginProgress {
  /** Set by the login-name step; null while the user is unknown. */
  userId: string | null;
  /** The typed login name, kept to show on later pages. */
  loginName: string | null;
  /** Org chosen by domain discovery (an org scope is re-read from the request each time). */
  discoveredOrgId: string | null;
  /** Authentication methods completed so far (RFC 8176 `amr` values; `mfa` is added when the login finishes). */
  amr: AuthMethod[];
  /** Set when `ignoreUnknownUsernames` let an unknown login name through to the password page. */
  unknownUser: boolean;
  /** What the login asks after the password (rules/mfa.ts `secondFactorStep`), decided once the password is checked. */
  secondFactor: SecondFactorStep | null;
  /** The user postponed setting up a second factor, which the policy allowed (`enroll-skippable`). */
  mfaSetupPostponed: boolean;
  /** The user postponed changing a password that expires soon (http/login/password-change-at-login.ts). */
  passwordChangePostponed?: boolean;
  /** An external identity waiting to be linked once this login succeeds (domain/federation-state.ts handle). */
  pendingLink: string | null;
}

export const STEP_NAMES = ['login-name', 'password', 'mfa', 'mfa-setup'] as const;
export type StepName = (typeof STEP_NAMES)[number];

interface Step {
  name: StepName;
  applies(policy: LoginPolicy, progress: LoginProgress): boolean;
  done(progress: LoginProgress): boolean;
}

const STEPS: Step[] = [
  { name: 'login-name', applies: () => true, done: (progress) => progress.userId !== null || progress.unknownUser },
  {
    name: 'password',
    applies: (policy) => policy.allowUsernamePassword,
    // A passkey login (amr `user`, rules/webauthn.ts) stands for the password and the second factor; a login at an
    // external IdP (`fed`) for the password.
    done: (progress) => ['pwd', 'user', 'fed'].some((method) => progress.amr.includes(method as AuthMethod)),
  },
  {
    name: 'mfa',
    applies: (_policy, progress) => progress.secondFactor === 'check',
    done: (progress) => progress.amr.includes('otp') || progress.amr.includes('hwk'),
  },
  {
    name: 'mfa-setup',
    applies: (_policy, progress) => progress.secondFactor === 'enroll' || progress.secondFactor === 'enroll-skippable',
    // Done once an authenticator app (`otp`) or a security key (`hwk`) is set up, or the set-up is postponed.
    done: (progress) =>
      progress.amr.includes('otp') ||
      progress.amr.includes('hwk') ||
      (progress.mfaSetupPostponed && progress.secondFactor === 'enroll-skippable'),
  },
];

export function emptyProgress(): LoginProgress {
  return {
    userId: null,
    loginName: null,
    discoveredOrgId: null,
    amr: [],
    unknownUser: false,
    secondFactor: null,
    mfaSetupPostponed: false,
    pendingLink: null,
  };
}

export type NextStep = StepName | 'authenticated' | 'no-method' | 'no-second-factor';

/**
 * The step to show next; 'authenticated' once every applicable step is done and at least one method
 * authenticated the user; 'no-method' when the policy leaves no way to authenticate; 'no-second-factor' when a
 * second factor is required and the policy allows none the user could set up.
 */
export function nextStep(policy: LoginPolicy, progress: LoginProgress): NextStep {
  if (progress.secondFactor === 'impossible') return 'no-second-factor';
  const step = STEPS.find((candidate) => candidate.applies(policy, progress) && !candidate.done(progress));
  if (step) return step.name;
  return progress.amr.length > 0 && progress.userId !== null ? 'authenticated' : 'no-method';
}

/** Whether a request for `step` is in order (earlier steps done), so a step cannot be skipped by URL. */
export function stepReachable(step: StepName, policy: LoginPolicy, progress: LoginProgress): boolean {
  const next = nextStep(policy, progress);
  const index = STEP_NAMES.indexOf(next as StepName);
  return index !== -1 && STEP_NAMES.indexOf(step) <= index;
}
