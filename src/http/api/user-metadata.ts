import { z } from 'zod';
import { removeUserMetadata, setUserMetadata } from '../../domain/commands/users.ts';
import { invalidField } from '../../domain/errors.ts';
import { USER } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { metadataKey, metadataValue } from './schemas.ts';

const TAG = 'Users';

/** A user's metadata: key → UTF-8 string, carried in tokens base64url-encoded. */
export const userMetadataRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/users/{userId}/metadata',
    tag: TAG,
    summary: "A user's metadata (values as UTF-8 strings)",
    permission: 'user.read',
    on: USER,
    response: z.object({ metadata: z.record(z.string(), z.string()) }),
    handler: async ({ target }) => ({
      metadata: Object.fromEntries(
        target.metadata.map((entry) => [entry.key, Buffer.from(entry.value.buffer).toString('utf8')]),
      ),
    }),
  }),
  route({
    method: 'put',
    path: '/users/{userId}/metadata/{key}',
    tag: TAG,
    summary: 'Set one metadata entry (the value is a UTF-8 string; tokens carry it base64url-encoded)',
    permission: 'user.write',
    on: USER,
    body: z.strictObject({ value: metadataValue }),
    response: null,
    async handler({ target, params, body, actor }) {
      const key = metadataKey.safeParse(params.key);
      if (!key.success) throw invalidField('key', key.error.issues[0]?.message ?? 'invalid');
      await setUserMetadata(actor, target, key.data, body.value);
    },
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/metadata/{key}',
    tag: TAG,
    summary: 'Remove one metadata entry',
    permission: 'user.write',
    on: USER,
    response: null,
    handler: ({ target, params, actor }) => removeUserMetadata(actor, target, params.key ?? ''),
  }),
];
