// Change webhooks in the console (issue 18): ORG_OWNER subscribes a URL (the signing key shown once, never again),
// reads its deliveries and removes it; ORG_OWNER_VIEWER sees the subscriptions without controls, and a forged post of
// theirs changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebhookSubscription as Webhook } from '../../src/store/models/index.ts';
import { assertForbidden, consoleClient, fixtureOfFile, flashOf, orgViewer } from '../helpers/console-session.ts';
import { type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
fixtureOfFile((started) => {
  fixture = started;
  acme = started.orgs.ACME!;
});

const createForm = (url: string, eventTypes: string): Array<[string, string]> => [
  ['action', 'create'],
  ['url', url],
  ['eventTypes', eventTypes],
];

describe('webhooks in the console', () => {
  it('ORG_OWNER subscribes a URL, sees its signing key once, reads its deliveries and removes it', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const list = await owner.get(`/orgs/${acme}/webhooks`);
    assert.equal(list.status, 200);
    assert.match(list.html, />Create webhook<\/button>/);
    const refused = await owner.post(
      `/orgs/${acme}/webhooks`,
      createForm('https://hooks.acme.test/in', 'not an event'),
    );
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="create-eventTypes-error"/);

    const created = await owner.post(
      `/orgs/${acme}/webhooks`,
      createForm('https://hooks.acme.test/in', 'user.*\norg.*'),
    );
    assert.equal(created.status, 200);
    const key = /<code class="secret" id="secret">([^<]+)<\/code>/.exec(created.html)?.[1];
    assert.ok(key, 'the signing key, shown once');
    const webhook = (await Webhook.findOne({ orgId: acme }).lean())!;
    assert.deepEqual(webhook.eventTypes, ['user.*', 'org.*']);
    const again = await owner.get(`/orgs/${acme}/webhooks`);
    assert.match(again.html, /https:\/\/hooks\.acme\.test\/in/);
    assert.ok(!again.html.includes(key), 'never shown again');
    const deliveries = await owner.get(`/orgs/${acme}/webhooks/${webhook._id}`);
    assert.equal(deliveries.status, 200);
    assert.match(deliveries.html, /Deliveries, newest first/);

    const confirm = await owner.get(`/orgs/${acme}/webhooks/${webhook._id}/remove`);
    assert.match(
      confirm.html,
      /its deliveries not made yet[^]*>Delete the webhook to https:\/\/hooks\.acme\.test\/in<\/button>/,
    );
    const removed = await owner.post(`/orgs/${acme}/webhooks/${webhook._id}/remove`, [['action', 'delete']]);
    assert.equal(removed.status, 303);
    assert.equal(await Webhook.findById(webhook._id).lean(), null);
    assert.equal(flashOf((await owner.get(`/orgs/${acme}/webhooks`)).html), 'Removed.');
  });

  it('ORG_OWNER_VIEWER sees the subscriptions without controls; a forged post changes nothing', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    await owner.post(`/orgs/${acme}/webhooks`, createForm('https://kept.acme.test/in', '*'));
    const webhook = (await Webhook.findOne({ orgId: acme, url: 'https://kept.acme.test/in' }).lean())!;
    const viewer = await orgViewer(fixture, 'hook-viewer', acme);
    const list = await viewer.get(`/orgs/${acme}/webhooks`);
    assert.equal(list.status, 200);
    assert.match(list.html, /kept\.acme\.test/);
    assert.doesNotMatch(list.html, /Create webhook|Remove the webhook/);
    await assertForbidden(
      viewer.post(`/orgs/${acme}/webhooks/${webhook._id}/remove`, [['action', 'delete']]),
      viewer.post(`/orgs/${acme}/webhooks`, createForm('https://forged.test/in', '*')),
    );
    assert.ok(await Webhook.findById(webhook._id).lean());
    assert.equal(await Webhook.findOne({ url: 'https://forged.test/in' }).lean(), null);
  });
});
