// Issue 18: roles changed in place (an authorization's, a manager's) where the API permits it, a success message after
// each action shown once, and lists longer than a page walked with previous/next links that keep the search.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Event, Membership, User, UserGrant } from '../../src/store/models/index.ts';
import {
  consoleClient,
  fixtureOfFile,
  managerOf,
  membershipOn,
  orgViewer,
  signedInManager,
} from '../helpers/console-session.ts';
import { userIdOf, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
let beta: string;
fixtureOfFile((started) => {
  fixture = started;
  acme = started.orgs.ACME!;
  beta = started.orgs.Beta!;
});

const unescape = (href: string) => href.replace(/&amp;/g, '&');
const rowsOf = (html: string) => /<tbody>[\s\S]*<\/tbody>/.exec(html)![0];
const linkOf = (html: string, rel: 'prev' | 'next') =>
  new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html)?.[1] ?? null;

describe('the console’s lists', () => {
  it('an authorization’s roles are changed in place by Beta’s owner, and not by its viewer', async () => {
    const bob = await userIdOf(fixture, 'bob');
    const grant = (await UserGrant.findOne({ instanceId: fixture.instanceId, orgId: beta, userId: bob }).lean())!;
    const page = `/orgs/${beta}/authorizations`;
    const change = (roleKeys: string[]): Array<[string, string]> => [
      ['action', 'changeRoles'],
      ['userGrantId', grant._id],
      ...roleKeys.map((key): [string, string] => ['roleKeys', key]),
    ];

    const viewer = await orgViewer(fixture, 'beta-viewer', beta);
    const seen = await viewer.get(page);
    assert.equal(seen.status, 200);
    assert.match(seen.html, /Bob Beta/);
    assert.doesNotMatch(seen.html, /Change roles|Save roles/);
    const forged = await viewer.post(page, change(['accountant', 'developer']));
    assert.ok(forged.status === 403 || forged.status === 404, `forged change refused (${forged.status})`);
    assert.deepEqual((await UserGrant.findById(grant._id).lean())!.roleKeys, ['developer']);

    const owner = await consoleClient(fixture, 'beta-owner@beta.localhost');
    assert.match((await owner.get(page)).html, />Save roles<\/button>/);
    const refused = await owner.post(page, change(['no-such-role']));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /<details open>/, 'the row’s form is open again, with the API’s error');
    assert.match(refused.html, /role="alert"/);
    const changed = await owner.post(page, change(['accountant', 'developer']));
    assert.equal(changed.status, 303);
    assert.deepEqual((await UserGrant.findById(grant._id).lean())!.roleKeys, ['accountant', 'developer']);
    const shown = await owner.get(page);
    assert.match(shown.html, /role="status">The roles are changed\.</);
    assert.doesNotMatch((await owner.get(page)).html, /The roles are changed/, 'the message is shown once');
  });

  it('a manager’s roles are changed in place by ACME’s owner, and not by a role that only reads managers', async () => {
    const { userId: member } = await managerOf(
      fixture,
      'acme-member',
      acme,
      membershipOn(fixture, 'org', acme, 'ORG_OWNER_VIEWER'),
    );
    const editor = await signedInManager(
      fixture,
      'acme-editor',
      acme,
      membershipOn(fixture, 'org', acme, 'ORG_USER_PERMISSION_EDITOR'),
    );
    const page = `/orgs/${acme}/managers`;
    const change: Array<[string, string]> = [
      ['action', 'changeRoles'],
      ['userId', member],
      ['roles', 'ORG_USER_MANAGER'],
    ];
    const rolesOf = async () =>
      (await Membership.findOne({ instanceId: fixture.instanceId, level: 'org', userId: member }).lean())!.roles;
    const seen = await editor.get(page);
    assert.equal(seen.status, 200);
    assert.doesNotMatch(seen.html, /Save roles/);
    const forged = await editor.post(page, change);
    assert.ok(forged.status === 403 || forged.status === 404, `forged change refused (${forged.status})`);
    assert.deepEqual(await rolesOf(), ['ORG_OWNER_VIEWER']);

    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    assert.match((await owner.get(page)).html, />Save roles<\/button>/);
    assert.equal(
      (
        await owner.post(page, [
          ['action', 'changeRoles'],
          ['userId', member],
        ])
      ).status,
      400,
      'no role',
    );
    assert.equal((await owner.post(page, change)).status, 303);
    assert.deepEqual(await rolesOf(), ['ORG_USER_MANAGER']);
    assert.match((await owner.get(page)).html, /The roles are changed\./);
  });

  it('more than 500 users are walked page by page with next and previous links', async () => {
    const users = Array.from({ length: 520 }, (_, index) => ({
      instanceId: fixture.instanceId,
      orgId: acme,
      type: 'human',
      username: `many-${String(index).padStart(3, '0')}`,
      human: { email: `many-${index}@acme.test`, givenName: 'Many', familyName: String(index) },
    }));
    await User.insertMany(users);
    const total = await User.countDocuments({ instanceId: fixture.instanceId, orgId: acme });
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const seen = new Set<string>();
    let path: string | null = `/orgs/${acme}/users`;
    let last = '';
    while (path) {
      const page = await owner.get(path);
      assert.equal(page.status, 200, path);
      for (const [, id] of page.html.matchAll(/href="\/ui\/console\/users\/([^"]+)"/g)) seen.add(id!);
      const next = linkOf(page.html, 'next');
      last = page.html;
      path = next && `/orgs/${acme}/users${unescape(next)}`;
    }
    assert.equal(seen.size, total, 'every user once, over all the pages');
    assert.equal(unescape(linkOf(last, 'prev')!), `?offset=${Math.floor((total - 1) / 100) * 100 - 100}`);
  });

  it('the audit trail pages to older events and back to newer ones, keeping its filter', async () => {
    const resourceId = 'paged-resource';
    const start = Date.now() - 3600_000;
    await Event.insertMany(
      Array.from({ length: 120 }, (_, index) => ({
        instanceId: fixture.instanceId,
        orgId: acme,
        actorId: 'tester',
        type: 'test.paged',
        resourceType: 'test',
        resourceId,
        createdAt: new Date(start + index * 1000),
      })),
    );
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const base = `/orgs/${acme}/audit`;
    const first = await owner.get(`${base}?resourceId=${resourceId}`);
    assert.equal(linkOf(first.html, 'prev'), null, 'the newest page has no newer one');
    const older = unescape(linkOf(first.html, 'next')!);
    assert.match(older, /resourceId=paged-resource/, 'the filter is kept');
    const second = await owner.get(`${base}${older}`);
    const third = await owner.get(`${base}${unescape(linkOf(second.html, 'next')!)}`);
    assert.equal(linkOf(third.html, 'next'), null, '120 events are three pages of 50');
    const back = await owner.get(`${base}${unescape(linkOf(third.html, 'prev')!)}`);
    assert.equal(rowsOf(back.html), rowsOf(second.html), 'newer from the third page is the second');
    const newest = await owner.get(`${base}${unescape(linkOf(second.html, 'prev')!)}`);
    assert.equal(linkOf(newest.html, 'prev'), null);
    assert.match(unescape(linkOf(newest.html, 'next')!), /resourceId=paged-resource/);
  });
});
