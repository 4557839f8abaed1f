import type { LoginPolicy } from './login-policy.ts';

/** The rules a password breaks under a complexity policy, as readable sentences; empty when it complies. */
export function passwordProblems(password: string, rules: LoginPolicy['passwordComplexity']): string[] {
  const problems: string[] = [];
  if (password.length < rules.minLength) problems.push(`must be at least ${rules.minLength} characters long`);
  if (password.length > 1024) problems.push('must be at most 1024 characters long');
  if (rules.requireUppercase && !/\p{Lu}/u.test(password)) problems.push('must contain an uppercase letter');
  if (rules.requireLowercase && !/\p{Ll}/u.test(password)) problems.push('must contain a lowercase letter');
  if (rules.requireNumber && !/\p{N}/u.test(password)) problems.push('must contain a number');
  if (rules.requireSymbol && !/[^\p{L}\p{N}]/u.test(password)) problems.push('must contain a symbol');
  return problems;
}
