import { invalidField } from '../../domain/errors.ts';
import { checked, text } from './forms.ts';
import { formErrorOf, renderConsole, type Console, type ConsolePage } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { NO_PAGES, pageOf, type Paging } from './paging.ts';
import { userSearchOf, userSearchOptions } from './user-search.ts';
import { userFrame, type UserView } from './user-tabs.ts';

/**
 * The user a form names by exact login name (seed 004: users of other orgs are never listed or searched), through the
 * API's exact lookup; a miss is an error on the field.
 */
export async function userIdByLoginName(c: Console, form: URLSearchParams, field = 'loginName'): Promise<string> {
  const loginName = (form.get(field) ?? '').trim();
  if (!loginName) throw invalidField(field, 'Enter the user’s exact login name');
  try {
    return (await c.call<{ id: string }>('GET /users/_by-login-name/{loginName}', { loginName })).id;
  } catch (error) {
    if (
      (error as { status?: number; kind?: string }).status === 404 ||
      (error as { kind?: string }).kind === 'not-found'
    )
      throw invalidField(field, 'No user has exactly this login name');
    throw error;
  }
}

/** A user's name for a list, where the manager may read the user (the API's GET /users/{userId}), else its id. */
export async function userLabel(c: Console, userId: string): Promise<string> {
  if (!(await c.allows('GET /users/{userId}', { userId }))) return userId;
  const user = await c.call<UserView>('GET /users/{userId}', { userId });
  return `${user.displayName} (${user.loginName})`;
}

export const userListPage: ConsolePage = {
  path: '/orgs/:orgId/users',
  async render(c, form, status) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId);
    const search = userSearchOf(c);
    let found: { rows: UserView[]; paging: Paging } = { rows: [], paging: NO_PAGES };
    let shownStatus = status;
    try {
      found = await pageOf(c, 'POST /orgs/{orgId}/users/_search', { orgId }, (body) => body.users as UserView[], {
        body: search.body,
      });
    } catch (error) {
      // A search the API refuses (a value too long) is shown next to its field, with no rows.
      const refused = formErrorOf(error, 'search', search.form.values);
      search.form = refused;
      shownStatus = refused.status;
    }
    const canCreate = await c.allows('POST /orgs/{orgId}/users/human', { orgId });
    await renderConsole(
      c,
      'users.njk',
      {
        title: `Users of ${frame.org.name}`,
        ...frame,
        users: found.rows,
        paging: found.paging,
        searching: search.body.queries.length > 0,
        search: { ...userSearchOptions, form: search.form },
        form,
        canCreate,
      },
      shownStatus,
    );
  },
  actions: {
    createHuman: {
      route: 'POST /orgs/{orgId}/users/human',
      body: (form) => ({
        username: form.get('username') ?? '',
        email: form.get('email') ?? '',
        givenName: form.get('givenName') ?? '',
        familyName: form.get('familyName') ?? '',
        password: text(form, 'password'),
        emailVerified: checked(form, 'emailVerified'),
      }),
      done: (_c, result) => `/users/${(result as { id: string }).id}`,
    },
    createMachine: {
      route: 'POST /orgs/{orgId}/users/machine',
      body: (form) => ({
        username: form.get('username') ?? '',
        name: form.get('name') ?? '',
        description: text(form, 'description'),
      }),
      done: (_c, result) => `/users/${(result as { id: string }).id}`,
    },
  },
};

export const userPage: ConsolePage = {
  path: '/users/:userId',
  async render(c, form, status) {
    const frame = await userFrame(c);
    const params = { userId: frame.user.id };
    const stateAction = frame.user.state === 'inactive' ? 'reactivate' : 'deactivate';
    await renderConsole(
      c,
      'user.njk',
      {
        title: frame.user.displayName,
        ...frame,
        form,
        stateAction,
        can: {
          state: await c.allows(`POST /users/{userId}/${stateAction}`, params),
          unlock: frame.user.state === 'locked' && (await c.allows('POST /users/{userId}/unlock', params)),
          remove: await c.allows('DELETE /users/{userId}', params),
        },
      },
      status,
    );
  },
  actions: {
    deactivate: { route: 'POST /users/{userId}/deactivate', done: (_c, _r, params) => `/users/${params.userId}` },
    reactivate: { route: 'POST /users/{userId}/reactivate', done: (_c, _r, params) => `/users/${params.userId}` },
    unlock: { route: 'POST /users/{userId}/unlock', done: (_c, _r, params) => `/users/${params.userId}` },
  },
};

export const userDeletePage: ConsolePage = {
  path: '/users/:userId/delete',
  async render(c, form, status) {
    const frame = await userFrame(c);
    await renderConsole(
      c,
      'confirm-delete.njk',
      {
        title: `Delete ${frame.user.displayName}?`,
        ...frame,
        form,
        confirmName: frame.user.loginName,
        cascade: [
          'the authorizations (user grants) the user holds',
          'the user’s manager roles',
          'their factors, sessions, keys and personal access tokens',
        ],
        cancelUrl: `/ui/console/users/${frame.user.id}`,
        allowed: await c.allows('DELETE /users/{userId}', { userId: frame.user.id }),
      },
      status,
    );
  },
  actions: {
    delete: { route: 'DELETE /users/{userId}', done: (_c, _r) => '/orgs' },
  },
};
