// Issue 18: the console lists that loaded up to 500 rows are paged through the API's pagination, each list on its own
// offset: the IdP lists, the login policy's IdPs to offer (those offered listed on every page, so a save keeps them),
// the projects to authorize users on (owned and granted; a project chosen on another page stays chosen), and a
// machine user's personal access tokens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  IdentityProvider,
  Organization,
  PersonalAccessToken,
  Project,
  ProjectGrant,
  User,
  UserGrant,
} from '../../src/store/models/index.ts';
import {
  fixtureOfFile,
  insertIdps,
  withAcmeOwner,
  instanceOwner,
  pagerLink,
  walkPages,
  type ConsoleClient,
} from '../helpers/console-session.ts';
import { userIdOf, type OidcFixture } from '../helpers/oidc.ts';

const MANY = 105;
let fixture: OidcFixture;
let acme: string;
let owner: ConsoleClient;
fixtureOfFile(async (started) => ({ fixture, acme, owner } = await withAcmeOwner(started)));

const manyIdps = (orgId: string | null, prefix: string) => insertIdps(fixture, orgId, MANY, prefix);

const checkedIdps = (html: string) =>
  [...html.matchAll(/name="idps" value="([^"]+)" checked/g)].map(([, id]) => id!).sort();

describe('paged console lists', () => {
  it('an org’s identity providers, page by page', async () => {
    const ids = await manyIdps(acme, 'Org IdP');
    const { ids: seen, pages } = await walkPages(
      owner,
      `/orgs/${acme}/idps`,
      'Identity providers',
      /<td><a href="\/ui\/console\/orgs\/[^/]+\/idps\/([^"/]+)">/g,
    );
    assert.deepEqual([...seen].sort(), [...ids].sort());
    assert.equal(pages, 2);
  });

  it('the login policy’s providers: each list on its own offset, those offered shown on every page', async () => {
    const instanceIds = await manyIdps(null, 'Instance IdP');
    const iam = await instanceOwner(fixture, 'policy-iam', acme);
    const orgIds = (await IdentityProvider.find({ orgId: acme }).lean()).map((idp) => idp._id);
    // One offered from the second page of each list.
    const offered = [instanceIds.at(-1)!, orgIds.at(-1)!];
    const path = `/orgs/${acme}/login-policy`;
    const saved = await iam.post(path, [
      ['action', 'save'],
      ['allowUsernamePassword', 'on'],
      ['allowExternalIdp', 'on'],
      ['passwordlessType', 'not_allowed'],
      ...offered.map((id): [string, string] => ['idps', id]),
    ]);
    assert.equal(saved.status, 303, saved.html);
    assert.deepEqual((await Organization.findById(acme).lean())!.loginPolicy?.idps, offered);

    const first = await iam.get(path);
    assert.equal(first.status, 200);
    assert.deepEqual(checkedIdps(first.html), [...offered].sort(), 'offered ones shown on the first page');
    assert.match(first.html, new RegExp(`value="${instanceIds.at(-1)}" checked> Instance IdP 104`), 'by name');
    const instanceNext = pagerLink(first.html, 'Instance identity providers', 'next');
    assert.equal(instanceNext, '?instanceIdpsOffset=100');
    const second = await iam.get(`${path}${instanceNext}`);
    assert.equal(
      pagerLink(second.html, 'Organization identity providers', 'next'),
      '?instanceIdpsOffset=100&orgIdpsOffset=100',
      'the org list’s link keeps the instance list’s page',
    );
    const instancePage = [...second.html.matchAll(/name="idps" value="([^"]+)"/g)].map(([, id]) => id!);
    assert.ok(instancePage.includes(instanceIds[100]!) && !instancePage.includes(instanceIds[0]!));
  });

  it('the projects to authorize users on: owned and granted paged apart; one chosen on another page stays chosen', async () => {
    const instanceId = fixture.instanceId;
    const owned = await Project.insertMany(
      Array.from({ length: MANY }, (_, index) => ({ instanceId, orgId: acme, name: `Owned ${index}` })),
    );
    const beta = fixture.orgs.Beta!;
    const foreign = await Project.insertMany(
      Array.from({ length: MANY }, (_, index) => ({ instanceId, orgId: beta, name: `Foreign ${index}` })),
    );
    await ProjectGrant.insertMany(
      foreign.map((project) => ({ instanceId, projectId: project._id, orgId: beta, grantedOrgId: acme })),
    );
    const path = `/orgs/${acme}/authorizations`;
    const first = await owner.get(path);
    assert.equal(first.status, 200);
    assert.equal(pagerLink(first.html, 'Projects', 'next'), '?projectsOffset=100');
    assert.equal(pagerLink(first.html, 'Granted projects', 'next'), '?grantedOffset=100');
    const options = (html: string) => [...html.matchAll(/<option value="([^"]+)"/g)].map(([, id]) => id!);
    const allOwned = new Set([
      ...options(first.html),
      ...options((await owner.get(`${path}?projectsOffset=100`)).html),
    ]);
    const ownedIds = await Project.find({ instanceId, orgId: acme }).distinct('_id');
    assert.ok(
      ownedIds.every((id) => allOwned.has(id)),
      'every owned project is offered on one page or the other',
    );

    // Chosen from the second page: the choice form carries the page, the chosen project is offered and authorized.
    const secondPage = (await owner.get(`${path}?projectsOffset=100`)).html;
    assert.match(secondPage, /<input type="hidden" name="projectsOffset" value="100">/);
    const late = owned.find((project) => !options(first.html).includes(project._id))!;
    const chosen = await owner.get(`${path}?projectId=${late._id}`);
    assert.match(chosen.html, new RegExp(`<option value="${late._id}" selected>${late.name}</option>`));
    assert.match(chosen.html, new RegExp(`Project: <strong>${late.name}</strong>`));

    // A row whose project is on no page shown still names it.
    const bob = await userIdOf(fixture, 'bob');
    await UserGrant.create({ instanceId, orgId: acme, userId: bob, userOrgId: beta, projectId: late._id });
    assert.match((await owner.get(path)).html, new RegExp(`<td>${late.name}</td>`));
  });

  it('a machine user’s personal access tokens', async () => {
    const instanceId = fixture.instanceId;
    const bot = await User.create({
      instanceId,
      orgId: acme,
      type: 'machine',
      username: 'paged-bot',
      machine: { name: 'Paged bot' },
    });
    const expiresAt = new Date(Date.now() + 86_400_000);
    const tokens = await PersonalAccessToken.insertMany(
      Array.from({ length: MANY }, (_, index) => ({
        instanceId,
        userId: bot._id,
        tokenHash: `hash-${index}`,
        expiresAt,
      })),
    );
    const { ids, pages } = await walkPages(
      owner,
      `/users/${bot._id}/credentials`,
      'Personal access tokens',
      /name="tokenId" value="([^"]+)"/g,
    );
    assert.deepEqual([...ids].sort(), tokens.map((token) => token._id).sort());
    assert.equal(pages, 2);
  });
});
