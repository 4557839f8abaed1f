// The message a page shows once after an action succeeded (POST → 303 → GET): a code from this fixed list travels in
// the sealed console session (session.ts), so no text a user typed is ever reflected, and a reload does not repeat it.

export const FLASH_MESSAGES = {
  created: 'Created.',
  added: 'Added.',
  saved: 'Your changes are saved.',
  removed: 'Removed.',
  deactivated: 'Deactivated.',
  reactivated: 'Reactivated.',
  verified: 'The domain is verified.',
  unlocked: 'The user is unlocked.',
  sessionsEnded: 'The user’s sessions are ended.',
  factorsReset: 'All second factors are removed.',
  rolesChanged: 'The roles are changed.',
  reset: 'Reset: the inherited settings apply again.',
  offered: 'The provider is offered at login.',
  withdrawn: 'The provider is no longer offered at login.',
} as const;

export type FlashCode = keyof typeof FLASH_MESSAGES;

export const isFlashCode = (code: unknown): code is FlashCode => typeof code === 'string' && code in FLASH_MESSAGES;

const BY_LAST_SEGMENT: Record<string, FlashCode> = {
  deactivate: 'deactivated',
  reactivate: 'reactivated',
  verify: 'verified',
  unlock: 'unlocked',
  primary: 'saved',
};

/** What an action's route says by default, where its page names no message of its own: by method and last segment. */
export function defaultFlashOf(routeKey: string): FlashCode {
  const [method, path = ''] = routeKey.split(' ');
  if (method === 'DELETE') return 'removed';
  if (method === 'PATCH' || method === 'PUT') return 'saved';
  return BY_LAST_SEGMENT[path.split('/').at(-1) ?? ''] ?? 'created';
}
