import { text } from './forms.ts';
import { newClientSecret, renderConsole, type Console, type ConsolePage } from './kit.ts';
import { pageOf } from './paging.ts';
import { userFrame } from './user-tabs.ts';

interface KeyView {
  keyId: string;
  expirationDate: string;
  creationDate: string | null;
}
interface KeyFile {
  type: 'serviceaccount';
  keyId: string;
  key: string;
  userId: string;
  expirationDate: string;
}

const here = (c: Console) => `/users/${c.ctx.params.userId}/credentials`;

/** A date field (yyyy-mm-dd) as the API's ISO date-time at the day's start (UTC); anything else as typed, to refuse. */
function expiryOf(form: URLSearchParams, name: string): string | undefined {
  const value = text(form, name)?.trim();
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

/**
 * A machine user's credentials (api/machine-credentials.ts, api/machine-keys.ts): its client secret, its keys for the
 * JWT bearer grant and its personal access tokens. What Castellan generates (a secret, a token, a private key) is
 * shown on the page that answers the form, once; Castellan keeps only a hash or the public key.
 */
export const machineCredentialsPage: ConsolePage = {
  path: '/users/:userId/credentials',
  async render(c, form, status) {
    const frame = await userFrame(c);
    const params = { userId: frame.user.id };
    // At most 20 keys a machine user (domain/rules/key-sets.ts MAX_KEYS_PER_HOLDER): the API lists them unpaged.
    const { keys } = await c.call<{ keys: KeyView[] }>('GET /users/{userId}/keys', params);
    const { rows: tokens, paging: tokenPaging } = await pageOf(
      c,
      'GET /users/{userId}/personal-access-tokens',
      params,
      (found) => found.tokens as Array<{ id: string; expiresAt: string }>,
      { offsetParam: 'tokensOffset' },
    );
    const write = (key: string, extra: Record<string, string> = {}) => c.allows(key, { ...params, ...extra });
    await renderConsole(
      c,
      'machine-credentials.njk',
      {
        title: `Credentials of ${frame.user.displayName}`,
        ...frame,
        form,
        keys,
        tokens,
        tokenPaging,
        can: {
          secret: await write('POST /users/{userId}/secret'),
          removeSecret: Boolean(frame.user.machine?.hasSecret) && (await write('DELETE /users/{userId}/secret')),
          addKey: await write('POST /users/{userId}/keys'),
          removeKey: await write('DELETE /users/{userId}/keys/{keyId}', { keyId: '-' }),
          addToken: await write('POST /users/{userId}/personal-access-tokens'),
          removeToken: await write('DELETE /users/{userId}/personal-access-tokens/{tokenId}', { tokenId: '-' }),
        },
      },
      status,
    );
  },
  actions: {
    secret: newClientSecret('POST /users/{userId}/secret', 'the machine user', here),
    removeSecret: { route: 'DELETE /users/{userId}/secret', done: here },
    addKey: {
      route: 'POST /users/{userId}/keys',
      body: (form) => ({ expirationDate: expiryOf(form, 'expirationDate'), publicKey: text(form, 'publicKey') }),
      async done(c, result) {
        const created = result as KeyFile | KeyView;
        // A registered public key has no file to hand over: back to the list.
        if (!('key' in created)) return here(c);
        const file = JSON.stringify(created, null, 2);
        await renderConsole(c, 'machine-key.njk', {
          title: 'New key',
          file,
          fileName: `${created.keyId}.json`,
          download: `data:application/json;base64,${Buffer.from(file).toString('base64')}`,
          nextUrl: `/ui/console${here(c)}`,
        });
      },
      flash: 'added',
    },
    removeKey: {
      route: 'DELETE /users/{userId}/keys/{keyId}',
      params: (c, form) => ({ userId: c.ctx.params.userId!, keyId: form.get('keyId') ?? '' }),
      done: here,
    },
    addToken: {
      route: 'POST /users/{userId}/personal-access-tokens',
      body: (form) => ({ expiresAt: expiryOf(form, 'expiresAt') }),
      async done(c, result) {
        const created = result as { token: string; expiresAt: string };
        await renderConsole(c, 'secret.njk', {
          title: 'New personal access token',
          what: 'the machine user',
          secret: created.token,
          secretLabel: `Token (valid until ${created.expiresAt})`,
          nextUrl: `/ui/console${here(c)}`,
        });
      },
    },
    removeToken: {
      route: 'DELETE /users/{userId}/personal-access-tokens/{tokenId}',
      params: (c, form) => ({ userId: c.ctx.params.userId!, tokenId: form.get('tokenId') ?? '' }),
      done: here,
    },
  },
};
