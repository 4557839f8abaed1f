// Actions in the console (issue 18): ORG_OWNER creates a script action (the API's 400s next to their fields), edits
// it, tries it on a user (nothing applied) and removes it; ORG_OWNER_VIEWER reads it without controls, and a forged
// post of theirs changes nothing; the flows page attaches actions to a trigger where the role may.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Action, ActionFlow } from '../../src/store/models/index.ts';
import { consoleClient, fixtureOfFile, instanceOwner, orgViewer } from '../helpers/console-session.ts';
import { userIdOf, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let acme: string;
fixtureOfFile((started) => {
  fixture = started;
  acme = started.orgs.ACME!;
});

const SCRIPT = "function addGreeting(ctx, api) { api.v1.claims.setClaim('greeting', 'hello'); }";
const actionForm = (action: string, changes: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({ action, name: 'addGreeting', type: 'script', script: SCRIPT, timeoutMs: '', ...changes });

describe('actions in the console', () => {
  it('ORG_OWNER creates, edits, tries and removes a script action', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const list = await owner.get(`/orgs/${acme}/actions`);
    assert.equal(list.status, 200);
    const refused = await owner.post(`/orgs/${acme}/actions`, actionForm('create', { name: 'not an identifier' }));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /id="create-name-error"/);
    assert.equal((await owner.post(`/orgs/${acme}/actions`, actionForm('create'))).status, 303);
    assert.match((await owner.get(`/orgs/${acme}/actions`)).html, /role="status">Created\.</);
    const action = (await Action.findOne({ orgId: acme, name: 'addGreeting' }).lean())!;
    const path = `/orgs/${acme}/actions/${action._id}`;
    assert.match((await owner.get(path)).html, />Save action<\/button>[^]*>Try action<\/button>/);

    const saved = await owner.post(path, [...actionForm('save', { timeoutMs: '2000' }), ['state', 'active']]);
    assert.equal(saved.status, 303);
    assert.equal((await Action.findById(action._id).lean())!.timeoutMs, 2000);
    assert.match((await owner.get(path)).html, /role="status">Your changes are saved\.</);

    const tried = await owner.post(path, [
      ['action', 'test'],
      ['userId', await userIdOf(fixture, 'acme-owner')],
      ['trigger', 'pre-userinfo-creation'],
    ]);
    assert.equal(tried.status, 200);
    assert.match(tried.html, /&quot;greeting&quot;: &quot;hello&quot;/, 'what the action would set');

    const confirm = await owner.get(`${path}/remove`);
    assert.match(confirm.html, /its place in every flow trigger that runs it[^]*>Delete action addGreeting<\/button>/);
    assert.equal((await owner.post(`${path}/remove`, [['action', 'delete']])).status, 303);
    assert.equal(await Action.findById(action._id).lean(), null);
    assert.match((await owner.get(`/orgs/${acme}/actions`)).html, /role="status">Removed\.</);
  });

  it('ORG_OWNER_VIEWER reads an action without controls; a forged post changes nothing', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    await owner.post(
      `/orgs/${acme}/actions`,
      actionForm('create', { name: 'keptAction', script: SCRIPT.replace('addGreeting', 'keptAction') }),
    );
    const action = (await Action.findOne({ orgId: acme, name: 'keptAction' }).lean())!;
    const viewer = await orgViewer(fixture, 'action-viewer', acme);
    assert.doesNotMatch((await viewer.get(`/orgs/${acme}/actions`)).html, /Create action/);
    const page = await viewer.get(`/orgs/${acme}/actions/${action._id}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /Save action|Try action|Remove action/);
    const forged = await viewer.post(`/orgs/${acme}/actions/${action._id}/remove`, [['action', 'delete']]);
    assert.equal(forged.status, 403);
    assert.ok(await Action.findById(action._id).lean());
  });
});

describe('flows in the console', () => {
  const trigger = (actionIds: string[]): Array<[string, string]> => [
    ['action', 'setTrigger'],
    ['flowType', 'complement-token'],
    ['triggerType', 'pre-userinfo-creation'],
    ...actionIds.map((id): [string, string] => ['actionIds', id]),
  ];
  const attached = async () =>
    (
      await ActionFlow.findOne({
        orgId: acme,
        flowType: 'complement-token',
        triggerType: 'pre-userinfo-creation',
      }).lean()
    )?.actionIds ?? [];

  it('ORG_OWNER attaches an action to a trigger; ORG_OWNER_VIEWER sees the flows without controls', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    await owner.post(
      `/orgs/${acme}/actions`,
      actionForm('create', { name: 'flowAction', script: SCRIPT.replace('addGreeting', 'flowAction') }),
    );
    const action = (await Action.findOne({ orgId: acme, name: 'flowAction' }).lean())!;
    const page = await owner.get(`/orgs/${acme}/flows`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<a href="\/ui\/console\/orgs\/[^"]+\/flows" aria-current="page">Flows<\/a>/);
    assert.match(page.html, /pre-userinfo-creation[^]*flowAction[^]*>Save actions<\/button>/);
    const refused = await owner.post(`/orgs/${acme}/flows`, trigger(['no-such-action']));
    assert.equal(refused.status, 400);
    assert.match(refused.html, /role="alert"/, "the API's error, at the trigger's form");
    const saved = await owner.post(`/orgs/${acme}/flows`, trigger([action._id]));
    assert.equal(saved.status, 303);
    assert.deepEqual(await attached(), [action._id]);
    const shown = await owner.get(`/orgs/${acme}/flows`);
    assert.match(shown.html, /role="status">Your changes are saved\.</);
    assert.match(shown.html, new RegExp(`value="${action._id}" checked`), 'the attached action is ticked');

    const viewer = await orgViewer(fixture, 'flow-viewer', acme);
    const read = await viewer.get(`/orgs/${acme}/flows`);
    assert.equal(read.status, 200);
    assert.match(read.html, /flowAction/);
    assert.doesNotMatch(read.html, /Save actions|type="checkbox"/);
    const forged = await viewer.post(`/orgs/${acme}/flows`, trigger([]));
    assert.equal(forged.status, 403);
    assert.deepEqual(await attached(), [action._id], 'the forged post changed nothing');
  });

  it('IAM_OWNER attaches the instance’s actions from Instance settings', async () => {
    const iam = await instanceOwner(fixture, 'flow-iam', acme);
    const page = await iam.get('/instance/flows');
    assert.equal(page.status, 200);
    assert.match(page.html, /<a href="\/ui\/console\/instance\/flows" aria-current="page">Flows<\/a>/);
    assert.match(page.html, /No actions to attach yet/);
  });
});
