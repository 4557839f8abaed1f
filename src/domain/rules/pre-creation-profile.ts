/** One call of a script (action-flows.ts ActionOperation). */
interface Operation {
  name: string;
  args: unknown[];
}

/**
 * ZITADEL v1's pre-creation setters (https://zitadel.com/docs/apis/actions/internal-authentication, "Pre Creation":
 * `api.setFirstName`, `setLastName`, `setNickName`, `setDisplayName`, `setPreferredLanguage`, `setGender`,
 * `setUsername`, `setEmail`, `setEmailVerified`, `setPhone`, `setPhoneVerified`), on `api` itself as in ZITADEL.
 */
export const PROFILE_SETTERS = [
  'setFirstName',
  'setLastName',
  'setNickName',
  'setDisplayName',
  'setPreferredLanguage',
  'setGender',
  'setUsername',
  'setEmail',
  'setEmailVerified',
  'setPhone',
  'setPhoneVerified',
] as const;

/** The profile a pre-creation trigger may change: the stored user's `username` and `human` fields. */
export interface DraftProfile {
  username: string;
  human: {
    givenName: string;
    familyName: string;
    displayName: string;
    email: string;
    emailVerified: boolean;
    nickname?: string | null;
    locale?: string | null;
    gender?: string | null;
    phone?: string | null;
    phoneVerified?: boolean;
  };
}

const MAX_TEXT_LENGTH = 200;
/** ZITADEL's setGender(int): 0 unspecified, 1 female, 2 male, 3 diverse. */
const GENDERS = [null, 'female', 'male', 'diverse'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const USERNAME = /^[^\s]{1,200}$/;
/** E.164-like, as the management API's phone (a leading + and up to 15 digits, spaces allowed). */
const PHONE = /^\+?[0-9 ]{4,20}$/;

const text = (value: unknown): string | null => {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed && trimmed.length <= MAX_TEXT_LENGTH ? trimmed : null;
};

/** RFC 5646 language tag, canonicalized (Intl); null when not one. */
function languageTag(value: unknown): string | null {
  try {
    return typeof value === 'string' && value ? (Intl.getCanonicalLocales(value)[0] ?? null) : null;
  } catch {
    return null;
  }
}

type Setter = (draft: DraftProfile, value: unknown) => void;

const SETTERS: Record<(typeof PROFILE_SETTERS)[number], Setter> = {
  setFirstName: (draft, value) => void (draft.human.givenName = text(value) ?? draft.human.givenName),
  setLastName: (draft, value) => void (draft.human.familyName = text(value) ?? draft.human.familyName),
  setNickName: (draft, value) => void (draft.human.nickname = text(value) ?? draft.human.nickname),
  setDisplayName: (draft, value) => void (draft.human.displayName = text(value) ?? draft.human.displayName),
  setPreferredLanguage: (draft, value) => void (draft.human.locale = languageTag(value) ?? draft.human.locale),
  setGender(draft, value) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < GENDERS.length)
      draft.human.gender = GENDERS[value];
  },
  setUsername(draft, value) {
    if (typeof value === 'string' && USERNAME.test(value)) draft.username = value;
  },
  setEmail(draft, value) {
    const email = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!EMAIL.test(email) || email.length > 320 || email === draft.human.email) return;
    // Another address than the one given is not verified by it: only setEmailVerified(true) verifies it.
    draft.human.email = email;
    draft.human.emailVerified = false;
  },
  setEmailVerified: (draft, value) => void (typeof value === 'boolean' && (draft.human.emailVerified = value)),
  setPhone(draft, value) {
    const phone = typeof value === 'string' ? value.trim() : '';
    if (!PHONE.test(phone) || phone === draft.human.phone) return;
    draft.human.phone = phone;
    draft.human.phoneVerified = false;
  },
  setPhoneVerified(draft, value) {
    if (typeof value === 'boolean') draft.human.phoneVerified = Boolean(value && draft.human.phone);
  },
};

/**
 * The new user's profile after the pre-creation setters, in call order (the last call wins). A value that is not one
 * the field holds (empty, too long, not an address, a language tag, 0–3) leaves the field as it was, as an empty name
 * did before. A display name derived from the names follows changed names; one given explicitly (or set) stays.
 */
export function withProfileOf<Draft extends DraftProfile>(draft: Draft, operations: readonly Operation[]): Draft {
  const adjusted = { ...draft, human: { ...draft.human } };
  const derived = draft.human.displayName === `${draft.human.givenName} ${draft.human.familyName}`;
  let displayNameSet = false;
  for (const { name, args } of operations) {
    if (!(name in SETTERS)) continue;
    SETTERS[name as keyof typeof SETTERS](adjusted, args[0]);
    if (name === 'setDisplayName' && text(args[0])) displayNameSet = true;
  }
  if (derived && !displayNameSet)
    adjusted.human.displayName = `${adjusted.human.givenName} ${adjusted.human.familyName}`;
  return adjusted;
}
