import argon2 from 'argon2';
import type { LoginPolicy } from '../models/login-policy.ts';

// OWASP Password Storage Cheat Sheet: argon2id, 7 MiB, 5 iterations, 1 lane.
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 7_168, timeCost: 5, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

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
