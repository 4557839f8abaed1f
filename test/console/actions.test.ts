// Actions in the console (issue 18): ORG_OWNER creates a script action (the API's 400s next to their fields), edits
// it, tries it on a user (nothing applied) and removes it; ORG_OWNER_VIEWER reads it without controls, and a forged
// post of theirs changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Action } from '../../src/store/models/index.ts';
import { consoleVisitor, managerOf } from '../helpers/console-http.ts';
import { startOidcFixture, userIdOf, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
before(async () => {
  fixture = await startOidcFixture();
  acme = fixture.orgs.ACME!;
});
after(() => fixture.server.stop());

const SCRIPT = "function addGreeting(ctx, api) { api.v1.claims.setClaim('greeting', 'hello'); }";
const actionForm = (action: string, changes: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({ action, name: 'addGreeting', type: 'script', script: SCRIPT, timeoutMs: '', ...changes });

describe('actions in the console', () => {
  it('ORG_OWNER creates, edits, tries and removes a script action', async () => {
    const owner = await consoleVisitor(fixture, 'acme-owner@acme.localhost');
    const list = await owner.get(`/orgs/${acme}/actions`);
    assert.equal(list.status, 200);
    const refused = await owner.post(`/orgs/${acme}/actions`, actionForm('create', { name: 'not an identifier' }));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="create-name-error"/);
    assert.equal((await owner.post(`/orgs/${acme}/actions`, actionForm('create'))).status, 303);
    const action = (await Action.findOne({ orgId: acme, name: 'addGreeting' }).lean())!;
    const path = `/orgs/${acme}/actions/${action._id}`;
    assert.match((await owner.get(path)).html, />Save action<\/button>[^]*>Try action<\/button>/);

    const saved = await owner.post(path, [...actionForm('save', { timeoutMs: '2000' }), ['state', 'active']]);
    assert.equal(saved.status, 303);
    assert.equal((await Action.findById(action._id).lean())!.timeoutMs, 2000);

    const tried = await owner.post(path, [
      ['action', 'test'],
      ['userId', await userIdOf(fixture, 'acme-owner')],
      ['trigger', 'pre-userinfo-creation'],
    ]);
    assert.equal(tried.status, 200);
    assert.match(tried.html, /&quot;greeting&quot;: &quot;hello&quot;/, 'what the action would set');

    assert.equal((await owner.post(path, [['action', 'remove']])).status, 303);
    assert.equal(await Action.findById(action._id).lean(), null);
  });

  it('ORG_OWNER_VIEWER reads an action without controls; a forged post changes nothing', async () => {
    const owner = await consoleVisitor(fixture, 'acme-owner@acme.localhost');
    await owner.post(
      `/orgs/${acme}/actions`,
      actionForm('create', { name: 'keptAction', script: SCRIPT.replace('addGreeting', 'keptAction') }),
    );
    const action = (await Action.findOne({ orgId: acme, name: 'keptAction' }).lean())!;
    const viewer = await consoleVisitor(
      fixture,
      await managerOf(fixture, acme, 'action-viewer', 'org', 'ORG_OWNER_VIEWER'),
    );
    assert.doesNotMatch((await viewer.get(`/orgs/${acme}/actions`)).html, /Create action/);
    const page = await viewer.get(`/orgs/${acme}/actions/${action._id}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /Save action|Try action|Remove action/);
    const forged = await viewer.post(`/orgs/${acme}/actions/${action._id}`, [['action', 'remove']]);
    assert.equal(forged.status, 403);
    assert.ok(await Action.findById(action._id).lean());
  });
});
