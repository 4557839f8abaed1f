import { renderConsole, type ConsolePage } from './kit.ts';
import { userFrame } from './user-tabs.ts';

interface SessionView {
  id: string;
  signedInAt: string | null;
  expiresAt: string | null;
  clientIds: string[];
}

const here = (_c: unknown, _r: unknown, params: Record<string, string>) => `/users/${params.userId}/sessions`;

/**
 * A person's sign-in sessions (api/user-sessions.ts): when, until when and to which apps; one ended, or all of them.
 * Ending one signs the user out of its apps: its tokens are revoked and apps with a back-channel logout URI are told.
 */
export const userSessionsPage: ConsolePage = {
  path: '/users/:userId/sessions',
  async render(c, form, status) {
    const frame = await userFrame(c);
    const params = { userId: frame.user.id };
    const { sessions } = await c.call<{ sessions: SessionView[] }>('GET /users/{userId}/sessions', params);
    await renderConsole(
      c,
      'user-sessions.njk',
      {
        title: `Sessions of ${frame.user.displayName}`,
        ...frame,
        form,
        sessions,
        can: {
          end: await c.allows('DELETE /users/{userId}/sessions/{sessionId}', { ...params, sessionId: '-' }),
          endAll: sessions.length > 0 && (await c.allows('DELETE /users/{userId}/sessions', params)),
        },
      },
      status,
    );
  },
  actions: {
    end: {
      route: 'DELETE /users/{userId}/sessions/{sessionId}',
      params: (c, form) => ({ userId: c.ctx.params.userId!, sessionId: form.get('sessionId') ?? '' }),
      done: here,
      flash: 'sessionsEnded',
    },
    endAll: { route: 'DELETE /users/{userId}/sessions', done: here, flash: 'sessionsEnded' },
  },
};
