import { renderConsole, type ConsolePage } from './kit.ts';
import { userFrame } from './user-tabs.ts';

const here = (_c: unknown, _r: unknown, params: Record<string, string>) => `/users/${params.userId}/metadata`;

/** A user's metadata (api/user-metadata.ts): key → UTF-8 text, set (added or replaced) and removed key by key. */
export const userMetadataPage: ConsolePage = {
  path: '/users/:userId/metadata',
  async render(c, form, status) {
    const frame = await userFrame(c);
    const params = { userId: frame.user.id };
    const { metadata } = await c.call<{ metadata: Record<string, string> }>('GET /users/{userId}/metadata', params);
    await renderConsole(
      c,
      'user-metadata.njk',
      {
        title: `Metadata of ${frame.user.displayName}`,
        ...frame,
        form,
        entries: Object.entries(metadata).map(([key, value]) => ({ key, value })),
        can: {
          set: await c.allows('PUT /users/{userId}/metadata/{key}', { ...params, key: '-' }),
          remove: await c.allows('DELETE /users/{userId}/metadata/{key}', { ...params, key: '-' }),
        },
      },
      status,
    );
  },
  actions: {
    set: {
      route: 'PUT /users/{userId}/metadata/{key}',
      params: (c, form) => ({ userId: c.ctx.params.userId!, key: (form.get('key') ?? '').trim() }),
      body: (form) => ({ value: form.get('value') ?? '' }),
      done: here,
    },
    remove: {
      route: 'DELETE /users/{userId}/metadata/{key}',
      params: (c, form) => ({ userId: c.ctx.params.userId!, key: form.get('key') ?? '' }),
      done: here,
    },
  },
};
