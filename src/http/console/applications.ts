import { checked, lines, numberOrNull } from './forms.ts';
import { newClientSecret, renderConsole, type Console, type ConsolePage } from './kit.ts';

interface AppView {
  id: string;
  projectId: string;
  name: string;
  type: 'oidc' | 'api';
  state: string;
  clientId: string;
  oidc: Record<string, unknown> & { redirectUris: string[]; postLogoutRedirectUris: string[]; authMethod: string };
}

const appParams = (c: Console) => ({ projectId: c.ctx.params.projectId!, appId: c.ctx.params.appId! });
const appPath = (c: Console) => `/projects/${c.ctx.params.projectId}/apps/${c.ctx.params.appId}`;

/** An application's settings (role assertions, the flat roles claim, clock skew), its secret and its lifecycle. */
export const applicationPage: ConsolePage = {
  path: '/projects/:projectId/apps/:appId',
  async render(c, form, status) {
    const params = appParams(c);
    const app = await c.call<AppView>('GET /projects/{projectId}/apps/{appId}', params);
    const project = await c.call<{ orgId: string; name: string }>('GET /projects/{projectId}', params);
    c.brandOrgId = project.orgId;
    const stateAction = app.state === 'active' ? 'deactivate' : 'reactivate';
    const write = await c.allows('PATCH /projects/{projectId}/apps/{appId}', params);
    await renderConsole(
      c,
      'application.njk',
      {
        title: app.name,
        app,
        project,
        form,
        stateAction,
        usesSecret: ['basic', 'post'].includes(app.oidc?.authMethod ?? ''),
        can: { write, remove: await c.allows('DELETE /projects/{projectId}/apps/{appId}', params) },
      },
      status,
    );
  },
  actions: {
    settings: {
      route: 'PATCH /projects/{projectId}/apps/{appId}',
      body: (form) => ({
        redirectUris: lines(form, 'redirectUris'),
        postLogoutRedirectUris: lines(form, 'postLogoutRedirectUris'),
        idTokenRoleAssertion: checked(form, 'idTokenRoleAssertion'),
        accessTokenRoleAssertion: checked(form, 'accessTokenRoleAssertion'),
        idTokenUserinfoAssertion: checked(form, 'idTokenUserinfoAssertion'),
        flatRolesClaim: checked(form, 'flatRolesClaim'),
        devMode: checked(form, 'devMode'),
        clockSkewSeconds: numberOrNull(form, 'clockSkewSeconds') ?? 0,
      }),
      done: appPath,
    },
    secret: newClientSecret('POST /projects/{projectId}/apps/{appId}/secret', 'the application', appPath),
    deactivate: { route: 'POST /projects/{projectId}/apps/{appId}/deactivate', done: appPath },
    reactivate: { route: 'POST /projects/{projectId}/apps/{appId}/reactivate', done: appPath },
    delete: {
      route: 'DELETE /projects/{projectId}/apps/{appId}',
      done: (c) => `/projects/${c.ctx.params.projectId}`,
    },
  },
};
