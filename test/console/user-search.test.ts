// Issue 18: the console's users page searches through the API's user search (a GET form that works without
// JavaScript, its error next to the field, paging that keeps the search, never another org's users), and the profile
// tab edits a person's postal address (the `address` claim), with the API's errors next to the fields.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Event, User } from '../../src/store/models/index.ts';
import { consoleClient, type ConsoleClient } from '../helpers/console-session.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
let owner: ConsoleClient;
let person: string;

const human = (orgId: string, username: string, givenName: string, familyName: string, extra: object = {}) => ({
  instanceId: fixture.instanceId,
  orgId,
  type: 'human',
  username,
  human: { email: `${username}@example.test`, givenName, familyName, displayName: `${givenName} ${familyName}` },
  ...extra,
});

before(async () => {
  fixture = await startOidcFixture();
  acme = fixture.orgs.ACME!;
  await User.insertMany([
    human(acme, 'zed-one', 'Zed', 'Quill'),
    human(acme, 'zed-two', 'Zed', 'Marsh', { state: 'inactive' }),
    {
      instanceId: fixture.instanceId,
      orgId: acme,
      type: 'machine',
      username: 'zed-bot',
      machine: { name: 'Zed Robot' },
    },
    human(fixture.orgs.Beta!, 'zed-beta', 'Zed', 'Quill'),
  ]);
  person = (await User.findOne({ username: 'zed-one' }).lean())!._id;
  owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
});
after(() => fixture.server.stop());

const usersPath = () => `/orgs/${acme}/users`;
const namesIn = (html: string) =>
  [...(/<tbody>[\s\S]*<\/tbody>/.exec(html)?.[0] ?? '').matchAll(/href="\/ui\/console\/users\/[^"]+">([^<]+)</g)]
    .map((match) => match[1]!)
    .sort();
const unescape = (href: string) => href.replace(/&amp;/g, '&');

describe('the console’s user search', () => {
  it('a GET form with labelled controls searches the org’s users by name, state and type', async () => {
    const page = await owner.get(usersPath());
    assert.match(page.html, /<form method="get" role="search"[^>]*aria-label="Search users">/);
    for (const [id, label] of [
      ['search-field', 'Search in'],
      ['search-method', 'Match'],
      ['search-value', 'Search for'],
      ['search-state', 'State'],
      ['search-type', 'Type'],
    ])
      assert.match(page.html, new RegExp(`<label for="${id}">${label}</label>`));

    const query = 'field=displayName&method=startsWithIgnoreCase&value=zed';
    const found = await owner.get(`${usersPath()}?${query}`);
    assert.equal(found.status, 200);
    assert.deepEqual(namesIn(found.html), ['Zed Marsh', 'Zed Quill', 'Zed Robot'], 'not Beta’s Zed Quill');
    assert.match(found.html, /id="search-value" name="value" value="zed"/, 'the search is shown again');
    assert.match(found.html, /<option value="startsWithIgnoreCase" selected>/);
    assert.deepEqual(namesIn((await owner.get(`${usersPath()}?${query}&state=inactive`)).html), ['Zed Marsh']);
    assert.deepEqual(namesIn((await owner.get(`${usersPath()}?${query}&type=machine`)).html), ['Zed Robot']);
    assert.deepEqual(
      namesIn(
        (await owner.get(`${usersPath()}?field=loginName&method=equalsIgnoreCase&value=ZED-ONE%40acme.localhost`)).html,
      ),
      ['Zed Quill'],
    );
    const none = await owner.get(`${usersPath()}?field=loginName&method=containsIgnoreCase&value=zed-beta`);
    assert.deepEqual(namesIn(none.html), []);
    assert.match(none.html, /No user matches the search\./);
  });

  it('a search the API refuses is shown next to its field with what was typed', async () => {
    const long = 'x'.repeat(201);
    const refused = await owner.get(`${usersPath()}?field=email&method=containsIgnoreCase&value=${long}`);
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="search-value"[^>]*aria-invalid="true"[^>]*aria-describedby="search-value-error"/);
    assert.match(refused.html, /<p class="error" id="search-value-error">/);
    assert.match(refused.html, new RegExp(`value="${long}"`));
    assert.match(refused.html, /<option value="email" selected>/);
    const regex = await owner.get(`${usersPath()}?field=userName&method=containsIgnoreCase&value=.*`);
    assert.equal(regex.status, 200);
    assert.deepEqual(namesIn(regex.html), [], 'a regex is matched literally');
  });

  it('pages of a search keep the search in their links', async () => {
    await User.insertMany(
      Array.from({ length: 105 }, (_, index) =>
        human(acme, `paged-${String(index).padStart(3, '0')}`, 'Paged', String(index)),
      ),
    );
    const first = await owner.get(`${usersPath()}?field=firstName&method=equalsIgnoreCase&value=paged`);
    assert.equal(namesIn(first.html).length, 100);
    const next = unescape(/<a href="([^"]+)" rel="next">/.exec(first.html)![1]!);
    assert.match(next, /value=paged/);
    assert.match(next, /offset=100/);
    const second = await owner.get(`${usersPath()}${next}`);
    assert.equal(namesIn(second.html).length, 5);
    assert.match(second.html, /rel="prev"/);
  });

  it('another org’s manager cannot search ACME’s users', async () => {
    const beta = await consoleClient(fixture, 'beta-owner@beta.localhost');
    const page = await beta.get(`${usersPath()}?field=displayName&method=containsIgnoreCase&value=zed`);
    assert.ok(page.status === 403 || page.status === 404, `refused (${page.status})`);
    assert.doesNotMatch(page.html, /Zed Marsh|Zed Robot/);
  });
});

describe('a person’s postal address in the profile tab', () => {
  const profile = (address: Record<string, string>): Array<[string, string]> => [
    ['action', 'save'],
    ['username', 'zed-one'],
    ['givenName', 'Zed'],
    ['familyName', 'Quill'],
    ['email', 'zed-one@example.test'],
    ...Object.entries(address),
  ];
  const path = () => `/users/${person}/profile`;

  it('is edited with a label on each field, errors next to the field, and an audit event', async () => {
    const page = await owner.get(path());
    for (const label of [
      'Street address',
      'Postal code',
      'Locality \\(city\\)',
      'Region \\(state, canton\\)',
      'Country',
    ])
      assert.match(page.html, new RegExp(`<label for="save-[a-zA-Z]+">${label}</label>`));
    assert.match(page.html, /<legend>Postal address/);

    const refused = await owner.post(
      path(),
      profile({ streetAddress: 'Bahnhofstrasse 1', postalCode: '8'.repeat(41) }),
    );
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="save-postalCode-error"/);
    assert.match(refused.html, /value="Bahnhofstrasse 1"/, 'what was typed is kept');
    assert.equal((await User.findById(person).lean())!.human!.address, null);

    const address = {
      streetAddress: 'Bahnhofstrasse 1',
      postalCode: '8001',
      locality: 'Zürich',
      region: 'ZH',
      country: 'Switzerland',
    };
    const saved = await owner.post(path(), profile(address));
    assert.equal(saved.status, 303);
    const stored = (await User.findById(person).lean())!.human!.address!;
    assert.deepEqual(
      { ...address },
      Object.fromEntries(Object.entries(address).map(([key]) => [key, stored[key as keyof typeof stored]])),
    );
    const shown = await owner.get(path());
    assert.match(shown.html, /id="save-locality" name="locality" value="Zürich"/);
    const event = await Event.findOne({ resourceId: person, type: 'user.changed' }).sort({ createdAt: -1 }).lean();
    assert.deepEqual((event!.payload as { address?: unknown }).address, address);
  });

  it('an unchanged address is not sent again, and emptying every field removes it', async () => {
    const before = await Event.countDocuments({ resourceId: person, 'payload.address': { $exists: true } });
    const current = (await User.findById(person).lean())!.human!.address!;
    const same = Object.fromEntries(
      ['streetAddress', 'postalCode', 'locality', 'region', 'country'].map((key) => [
        key,
        String(current[key as keyof typeof current] ?? ''),
      ]),
    );
    assert.equal((await owner.post(path(), profile(same))).status, 303);
    assert.equal(await Event.countDocuments({ resourceId: person, 'payload.address': { $exists: true } }), before);
    const emptied = Object.fromEntries(Object.keys(same).map((key) => [key, '']));
    assert.equal((await owner.post(path(), profile(emptied))).status, 303);
    assert.equal((await User.findById(person).lean())!.human!.address, null);
  });
});
