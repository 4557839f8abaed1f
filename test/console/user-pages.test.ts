// Issue 18: a user's sub-pages in the console (profile, second factors, metadata, a machine user's credentials, the
// overview's unlock and end-sessions). Each control is shown exactly where the manager's role lets the same API route
// run, a forged post of a forbidden action changes nothing, and what Castellan generates (a secret, a token, a private
// key) is shown on the answer to the form only, never on a page read afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { User, UserFactor } from '../../src/store/models/index.ts';
import { consoleClient, membershipOn, signedInManager } from '../helpers/console-session.ts';
import { startOidcFixture, userIdOf, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
let person: string;
let bot: string;
let acmeOwner: string;

before(async () => {
  fixture = await startOidcFixture();
  acme = fixture.orgs.ACME!;
  const instanceId = fixture.instanceId;
  person = (
    await User.create({
      instanceId,
      orgId: acme,
      type: 'human',
      username: 'target',
      human: { email: 'target@acme.test', emailVerified: true, givenName: 'Tara', familyName: 'Target' },
    })
  )._id;
  bot = (await User.create({ instanceId, orgId: acme, type: 'machine', username: 'bot', machine: { name: 'Bot' } }))
    ._id;
  acmeOwner = await userIdOf(fixture, 'acme-owner');
  await consoleClient(fixture, 'acme-owner@acme.localhost');
});
after(() => fixture.server.stop());

/** The person is locked with one factor (recovery codes): every control of their pages has something to act on. */
async function lockedWithFactor(): Promise<string> {
  await User.updateOne({ _id: person }, { $set: { state: 'locked' } });
  await UserFactor.deleteMany({ userId: person });
  const factor = await UserFactor.create({
    instanceId: fixture.instanceId,
    userId: person,
    orgId: acme,
    type: 'recovery_codes',
    name: 'Recovery codes',
    state: 'active',
    recoveryCodes: { codeHashes: ['a', 'b'], issued: 2 },
  });
  return factor._id;
}

// Each control, on whose page: the locked person with a factor, the machine user, or ACME's owner (signed in to the
// console, so with a session to end).
const CONTROLS = {
  profile: ['person', '/profile', '>Save profile</button>'],
  metadata: ['person', '/metadata', '>Set metadata</button>'],
  removeFactor: ['person', '/factors', '>Remove Recovery codes</button>'],
  resetFactors: ['person', '/factors', '>Remove all second factors</button>'],
  unlock: ['person', '', '>Unlock user</button>'],
  endSession: ['owner', '/sessions', '>End session</button>'],
  endSessions: ['owner', '/sessions', '>End all sessions</button>'],
  secret: ['bot', '/credentials', '>Generate a secret</button>'],
  key: ['bot', '/credentials', '>Add key</button>'],
  token: ['bot', '/credentials', '>Add token</button>'],
} as const;
type Control = keyof typeof CONTROLS;
const every = (value: boolean) =>
  Object.fromEntries(Object.keys(CONTROLS).map((control) => [control, value])) as Record<Control, boolean>;

// ZITADEL's permissions per role (config/role-permissions.json): user.write (profile, metadata, factors, unlock),
// session.delete (end sessions), user.credential.write (secret, keys, tokens).
const ROLES: Array<[string, Record<Control, boolean>]> = [
  ['ORG_OWNER', every(true)],
  ['ORG_USER_MANAGER', { ...every(true), secret: false, key: false, token: false }],
  ['ORG_OWNER_VIEWER', every(false)],
  ['ORG_USER_PERMISSION_EDITOR', every(false)],
];

describe('a user’s pages in the console', () => {
  for (const [role, expected] of ROLES)
    it(`${role}: exactly the controls the API permits; forged posts change nothing`, async () => {
      const factorId = await lockedWithFactor();
      const username = role.toLowerCase().replace(/_/g, '-');
      const manager = await signedInManager(fixture, username, acme, membershipOn(fixture, 'org', acme, role));
      const shown: Record<string, boolean> = {};
      for (const [control, [target, path, label]] of Object.entries(CONTROLS)) {
        const userId = { person, bot, owner: acmeOwner }[target];
        const page = await manager.get(`/users/${userId}${path}`);
        // Viewers hold no session.read (ZITADEL's ORG_OWNER_VIEWER neither): the sessions page is refused them.
        const readable = page.status === 200 || (path === '/sessions' && page.status === 403);
        assert.ok(readable, `${role} reads /users/${userId}${path} (${page.status})`);
        shown[control] = page.status === 200 && page.html.includes(label);
      }
      assert.deepEqual(shown, expected);

      const forged: Array<[string, string, Array<[string, string]>]> = [];
      if (!expected.metadata)
        forged.push([
          person,
          '/metadata',
          [
            ['action', 'set'],
            ['key', 'forged'],
            ['value', 'x'],
          ],
        ]);
      if (!expected.removeFactor)
        forged.push([
          person,
          '/factors',
          [
            ['action', 'remove'],
            ['factorId', factorId],
          ],
        ]);
      if (!expected.unlock) forged.push([person, '', [['action', 'unlock']]]);
      if (!expected.endSessions) forged.push([acmeOwner, '/sessions', [['action', 'endAll']]]);
      if (!expected.secret) forged.push([bot, '/credentials', [['action', 'secret']]]);
      if (!expected.token) forged.push([bot, '/credentials', [['action', 'addToken']]]);
      const before = await User.find({ _id: { $in: [person, bot] } }).lean();
      for (const [userId, path, fields] of forged) {
        const { status } = await manager.post(`/users/${userId}${path}`, fields);
        assert.ok(status === 403 || status === 404, `${role}: forged ${fields[0]![1]} refused (${status})`);
      }
      assert.deepEqual(await User.find({ _id: { $in: [person, bot] } }).lean(), before, 'the users are unchanged');
      if (!expected.removeFactor) assert.ok(await UserFactor.exists({ _id: factorId }), 'the factor is still there');
    });

  it('ORG_OWNER edits the profile (errors next to the field, what was typed kept) and the metadata', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const profile = (phone: string): Array<[string, string]> => [
      ['action', 'save'],
      ['username', 'target'],
      ['givenName', 'Tamara'],
      ['familyName', 'Target'],
      ['email', 'target@acme.test'],
      ['phone', phone],
      ['locale', 'de-CH'],
    ];
    const refused = await owner.post(`/users/${person}/profile`, profile('not a phone'));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="save-phone-error"/);
    assert.match(refused.html, /value="not a phone"/, 'what was typed is shown again');
    const saved = await owner.post(`/users/${person}/profile`, profile('+41 44 123 45 67'));
    assert.equal(saved.status, 303);
    const human = (await User.findById(person).lean())!.human!;
    assert.deepEqual([human.givenName, human.phone, human.locale], ['Tamara', '+41441234567', 'de-CH']);
    assert.equal(human.email, 'target@acme.test', 'the unchanged email is not sent again for verification');
    const after = await owner.get(`/users/${person}/profile`);
    assert.match(after.html, /role="status">Your changes are saved\.</, 'the success message after the redirect');
    assert.doesNotMatch((await owner.get(`/users/${person}/profile`)).html, /Your changes are saved/, 'shown once');

    const machine = await owner.post(`/users/${bot}/profile`, [
      ['action', 'save'],
      ['username', 'bot'],
      ['name', 'Billing bot'],
      ['description', 'Exports invoices'],
      ['accessTokenType', 'jwt'],
    ]);
    assert.equal(machine.status, 303);
    assert.deepEqual(
      { ...(await User.findById(bot).lean())!.machine, secretHash: undefined, keys: undefined },
      {
        name: 'Billing bot',
        description: 'Exports invoices',
        accessTokenType: 'jwt',
        secretHash: undefined,
        keys: undefined,
      },
    );

    const badKey = await owner.post(`/users/${person}/metadata`, [
      ['action', 'set'],
      ['key', 'no spaces'],
      ['value', 'x'],
    ]);
    assert.equal(badKey.status, 400);
    assert.match(badKey.html, /id="set-key-error"/);
    assert.equal(
      (
        await owner.post(`/users/${person}/metadata`, [
          ['action', 'set'],
          ['key', 'team'],
          ['value', 'finance'],
        ])
      ).status,
      303,
    );
    assert.match((await owner.get(`/users/${person}/metadata`)).html, /<code>team<\/code><\/td><td>finance</);
    assert.equal(
      (
        await owner.post(`/users/${person}/metadata`, [
          ['action', 'remove'],
          ['key', 'team'],
        ])
      ).status,
      303,
    );
    assert.equal((await User.findById(person).lean())!.metadata.length, 0);
  });

  it('ORG_OWNER removes factors, unlocks and ends sessions', async () => {
    const factorId = await lockedWithFactor();
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    assert.equal(
      (
        await owner.post(`/users/${person}/factors`, [
          ['action', 'remove'],
          ['factorId', factorId],
        ])
      ).status,
      303,
    );
    assert.equal(await UserFactor.countDocuments({ userId: person }), 0);
    await lockedWithFactor();
    assert.equal((await owner.post(`/users/${person}/factors`, [['action', 'reset']])).status, 303);
    assert.match((await owner.get(`/users/${person}/factors`)).html, /All second factors are removed\./);
    assert.equal(await UserFactor.countDocuments({ userId: person }), 0);
    assert.equal((await owner.post(`/users/${person}`, [['action', 'unlock']])).status, 303);
    assert.equal((await User.findById(person).lean())!.state, 'active');
    const sessions = await owner.get(`/users/${acmeOwner}/sessions`);
    const sessionId = /name="sessionId" value="([^"]+)"/.exec(sessions.html)![1]!;
    assert.equal(
      (
        await owner.post(`/users/${acmeOwner}/sessions`, [
          ['action', 'end'],
          ['sessionId', sessionId],
        ])
      ).status,
      303,
    );
    const after = await owner.get(`/users/${acmeOwner}/sessions`);
    assert.match(after.html, /The user’s sessions are ended\./);
    assert.ok(!after.html.includes(sessionId), 'the session is gone');
    assert.equal((await owner.post(`/users/${acmeOwner}/sessions`, [['action', 'endAll']])).status, 303);
    assert.match((await owner.get(`/users/${acmeOwner}/sessions`)).html, /No sign-in session\./);
  });

  it('a machine user’s secret, key file and token are shown once, on the answer to the form only', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const credentials = `/users/${bot}/credentials`;
    const secret = await owner.post(credentials, [['action', 'secret']]);
    assert.equal(secret.status, 200);
    const clientSecret = /id="secret">([^<]+)</.exec(secret.html)![1]!;
    const token = /id="secret">([^<]+)</.exec((await owner.post(credentials, [['action', 'addToken']])).html)![1]!;
    const keyPage = await owner.post(credentials, [
      ['action', 'addKey'],
      ['expirationDate', '2099-01-01'],
    ]);
    assert.equal(keyPage.status, 200);
    const file = JSON.parse(/id="key-file"[^>]*>([^<]+)</.exec(keyPage.html)![1]!.replace(/&quot;/g, '"')) as {
      type: string;
      keyId: string;
      key: string;
      userId: string;
    };
    assert.deepEqual([file.type, file.userId], ['serviceaccount', bot]);
    assert.match(file.key, /-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(keyPage.html, new RegExp(`download="${file.keyId}\\.json"`));

    const later = await owner.get(credentials);
    for (const shownOnce of [clientSecret, token, 'PRIVATE KEY'])
      assert.ok(!later.html.includes(shownOnce), 'not shown on the page read afterwards');
    assert.match(later.html, new RegExp(`<code>${file.keyId}</code>`), 'the key is listed by id');
    const tokenId = /name="tokenId" value="([^"]+)"/.exec(later.html)![1]!;

    assert.equal(
      (
        await owner.post(credentials, [
          ['action', 'removeKey'],
          ['keyId', file.keyId],
        ])
      ).status,
      303,
    );
    assert.equal(
      (
        await owner.post(credentials, [
          ['action', 'removeToken'],
          ['tokenId', tokenId],
        ])
      ).status,
      303,
    );
    assert.equal((await owner.post(credentials, [['action', 'removeSecret']])).status, 303);
    const machine = (await User.findById(bot).lean())!.machine!;
    assert.equal(machine.secretHash ?? null, null);
    assert.doesNotMatch((await owner.get(credentials)).html, /Revoke token|Remove key|Remove secret/);
  });
});
