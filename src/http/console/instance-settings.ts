import { checked } from './forms.ts';
import { instanceTabs } from './instance-tabs.ts';
import { renderConsole, type Console, type ConsolePage } from './kit.ts';
import { lifetimesPage } from './lifetimes.ts';

/** What GET /instance/settings returns and PATCH changes (api/instance-settings.ts), group by group. */
const SETTINGS = {
  oidc: [
    ['requirePkceForAllClients', 'Every client must use PKCE, confidential ones too'],
    ['strictClientAssertions', 'Client assertions need a jti and are accepted once (RFC 7523’s stricter reading)'],
  ],
  features: [
    ['tokenExchange', 'Token exchange (RFC 8693) is offered'],
    ['orgSignUp', 'People may create an organization from the login page'],
  ],
  security: [['enableImpersonation', 'Impersonation through token exchange is allowed']],
  strictReservedScopes: [
    ['orgId', 'Organization id (urn:zitadel:iam:org:id:{id})'],
    ['orgDomainPrimary', 'Organization domain (urn:zitadel:iam:org:domain:primary:{domain})'],
    ['projectAudience', 'Project audience (urn:zitadel:iam:org:project:id:{id}:aud)'],
    ['roleOrgId', 'Roles of an organization (urn:zitadel:iam:org:roles:id:{id})'],
    ['idpId', 'Identity provider (urn:zitadel:iam:org:idp:id:{id})'],
    ['projectRole', 'Project role (urn:zitadel:iam:org:project:role:{key})'],
  ],
} as const;
const GROUP_TITLES: Record<keyof typeof SETTINGS, string> = {
  oidc: 'OpenID Connect',
  features: 'Features',
  security: 'Security',
  strictReservedScopes: 'Reserved scopes that refuse an authorization naming what the instance lacks (else dropped)',
};

const instanceFrame = async (c: Console, title: string) => ({
  title,
  tabs: await instanceTabs((route) => c.allows(route)),
  tabsLabel: 'Instance settings',
});

/** The instance's settings (IAM managers): every field of the API as a checkbox; read-only without iam.policy.write. */
export const instanceSettingsPage: ConsolePage = {
  path: '/instance/settings',
  async render(c, form, status) {
    const settings = await c.call<Record<string, Record<string, boolean>>>('GET /instance/settings');
    const groups = Object.entries(SETTINGS).map(([group, fields]) => ({
      title: GROUP_TITLES[group as keyof typeof SETTINGS],
      fields: fields.map(([name, label]) => ({ name, label, value: settings[group]![name] })),
    }));
    await renderConsole(
      c,
      'instance-settings.njk',
      {
        ...(await instanceFrame(c, `Settings of ${c.tenant.instance.name}`)),
        groups,
        form,
        canWrite: await c.allows('PATCH /instance/settings'),
      },
      status,
    );
  },
  actions: {
    save: {
      route: 'PATCH /instance/settings',
      body: (form) =>
        Object.fromEntries(
          Object.entries(SETTINGS).map(([group, fields]) => [
            group,
            Object.fromEntries(fields.map(([name]) => [name, checked(form, name)])),
          ]),
        ),
      done: () => '/instance/settings',
    },
  },
};

export const instanceLifetimesPage = lifetimesPage({
  path: '/instance/token-lifetimes',
  read: 'GET /instance/token-lifetimes',
  write: 'PATCH /instance/token-lifetimes',
  frame: (c) => instanceFrame(c, `Token lifetimes of ${c.tenant.instance.name}`),
  intro: 'The default for every organization and project that does not set its own. An empty field keeps its value.',
  inheritsFrom: null,
});

export { instanceFrame };
