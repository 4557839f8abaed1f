import { checked, text } from './forms.ts';
import { renderConsole, type Console, type ConsolePage } from './kit.ts';
import { userFrame, type UserView } from './user-tabs.ts';

const ACCESS_TOKEN_TYPES = [
  { value: 'bearer', label: 'Opaque (bearer)' },
  { value: 'jwt', label: 'JWT' },
];

/** A postal address's fields as the API names them (api/user-contact.ts), in the order an address is written. */
const ADDRESS_FIELDS = [
  { name: 'streetAddress', label: 'Street address' },
  { name: 'postalCode', label: 'Postal code' },
  { name: 'locality', label: 'Locality (city)' },
  { name: 'region', label: 'Region (state, canton)' },
  { name: 'country', label: 'Country' },
  { name: 'formatted', label: 'Full address as displayed' },
];

/** The user the form changes, as the API shows it now: what is unchanged is not sent again. */
const currentUser = (c: Console) => c.call<UserView>('GET /users/{userId}', { userId: c.ctx.params.userId! });

/**
 * A person's profile as PATCH /users/{userId} takes it. The email and phone go only when they changed: a new email is
 * pending until verified (or verified now, where the manager ticks it), a new phone unverified unless ticked; an
 * emptied phone is removed.
 */
function humanChange(form: URLSearchParams, user: UserView): Record<string, unknown> {
  const human = user.human!;
  const body: Record<string, unknown> = {
    username: form.get('username') ?? '',
    givenName: form.get('givenName') ?? '',
    familyName: form.get('familyName') ?? '',
    displayName: text(form, 'displayName'),
    locale: text(form, 'locale'),
  };
  const email = (form.get('email') ?? '').trim();
  if (email.toLowerCase() !== human.email.toLowerCase())
    Object.assign(body, { email, emailVerified: checked(form, 'emailVerified') });
  const phone = (form.get('phone') ?? '').trim();
  if (phone !== (human.phone ?? ''))
    Object.assign(body, phone ? { phone, phoneVerified: checked(form, 'phoneVerified') } : { phone: null });
  const address = addressChange(form, human.address);
  if (address !== undefined) body.address = address;
  return body;
}

/**
 * The postal address when any of its fields changed: the fields typed (the API trims and checks them), or null when
 * every field was emptied, which removes it. The API replaces the whole address, so every field is sent.
 */
function addressChange(form: URLSearchParams, stored: Record<string, string> | null) {
  const typed = Object.fromEntries(
    ADDRESS_FIELDS.flatMap(({ name }) => (text(form, name) === undefined ? [] : [[name, text(form, name)!]])),
  );
  if (ADDRESS_FIELDS.every(({ name }) => (typed[name] ?? '').trim() === (stored?.[name] ?? ''))) return undefined;
  return Object.keys(typed).length ? typed : null;
}

function machineChange(form: URLSearchParams): Record<string, unknown> {
  return {
    username: form.get('username') ?? '',
    name: form.get('name') ?? '',
    description: form.get('description') ?? '',
    accessTokenType: form.get('accessTokenType') ?? '',
  };
}

/**
 * A user's profile: a person's names, email, phone, postal address, preferred language; a machine's name, description,
 * token type.
 */
export const userProfilePage: ConsolePage = {
  path: '/users/:userId/profile',
  async render(c, form, status) {
    const frame = await userFrame(c);
    await renderConsole(
      c,
      'user-profile.njk',
      {
        title: `Profile of ${frame.user.displayName}`,
        ...frame,
        form,
        accessTokenTypes: ACCESS_TOKEN_TYPES,
        addressFields: ADDRESS_FIELDS,
        canWrite: await c.allows('PATCH /users/{userId}', { userId: frame.user.id }),
      },
      status,
    );
  },
  actions: {
    save: {
      route: 'PATCH /users/{userId}',
      async body(form, c) {
        const user = await currentUser(c);
        return user.type === 'human' ? humanChange(form, user) : machineChange(form);
      },
      done: (_c, _r, params) => `/users/${params.userId}/profile`,
    },
  },
};
