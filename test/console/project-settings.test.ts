// A project's token lifetimes and lifecycle in the console (issue 18): ORG_OWNER sets the lifetimes (the API's 400s
// next to their fields, an empty field inheriting the org's), deactivates and reactivates the project; a
// PROJECT_OWNER_VIEWER sees the lifetimes without controls, and a forged post of theirs changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Project } from '../../src/store/models/index.ts';
import { consoleClient, flashOf, membershipOn, signedInManager } from '../helpers/console-session.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let projectId: string;
before(async () => {
  fixture = await startOidcFixture();
  projectId = fixture.demoProjectId;
});
after(() => fixture.server.stop());

const lifetimesForm = (values: Record<string, string>): Array<[string, string]> => [
  ['action', 'lifetimes'],
  ['accessTokenSeconds', values.accessTokenSeconds ?? ''],
  ['idTokenSeconds', values.idTokenSeconds ?? ''],
  ['refreshTokenIdleSeconds', values.refreshTokenIdleSeconds ?? ''],
  ['refreshTokenAbsoluteSeconds', values.refreshTokenAbsoluteSeconds ?? ''],
];
const stored = async () => (await Project.findById(projectId).lean())!;

describe('a project’s settings in the console', () => {
  it('ORG_OWNER sets the token lifetimes and deactivates and reactivates the project', async () => {
    const owner = await consoleClient(fixture, 'acme-owner@acme.localhost');
    const project = await owner.get(`/projects/${projectId}`);
    assert.match(project.html, new RegExp(`href="/ui/console/projects/${projectId}/token-lifetimes"`));
    assert.match(project.html, />Deactivate project<\/button>/);

    const orgSettings = await owner.get(`/orgs/${fixture.orgs.ACME}/settings`);
    assert.match(orgSettings.html, /An empty field uses the instance’s lifetime[^]*>Save lifetimes<\/button>/);
    const page = await owner.get(`/projects/${projectId}/token-lifetimes`);
    assert.equal(page.status, 200);
    assert.match(page.html, />Save lifetimes<\/button>/);
    const tooShort = await owner.post(
      `/projects/${projectId}/token-lifetimes`,
      lifetimesForm({ accessTokenSeconds: '30' }),
    );
    assert.equal(tooShort.status, 400);
    assert.match(tooShort.html, /id="lifetimes-accessTokenSeconds-error"/, 'the API’s 400 next to the field');
    assert.match(tooShort.html, /id="lifetimes-accessTokenSeconds"[^>]*value="30"/, 'what was typed stays');
    const saved = await owner.post(
      `/projects/${projectId}/token-lifetimes`,
      lifetimesForm({ accessTokenSeconds: '600', refreshTokenAbsoluteSeconds: '86400' }),
    );
    assert.equal(saved.status, 303);
    const lifetimes = (await stored()).tokenLifetimes as Record<string, number | null | undefined>;
    assert.equal(lifetimes.accessTokenSeconds, 600);
    assert.equal(lifetimes.refreshTokenAbsoluteSeconds, 86400);
    assert.equal(lifetimes.idTokenSeconds ?? null, null, 'an empty field inherits the org’s');
    assert.equal(flashOf((await owner.get(`/projects/${projectId}/token-lifetimes`)).html), 'Your changes are saved.');

    assert.equal((await owner.post(`/projects/${projectId}`, [['action', 'deactivate']])).status, 303);
    assert.equal((await stored()).state, 'inactive');
    const deactivated = (await owner.get(`/projects/${projectId}`)).html;
    assert.match(deactivated, />Reactivate project<\/button>/);
    assert.equal(flashOf(deactivated), 'Deactivated.');
    assert.equal((await owner.post(`/projects/${projectId}`, [['action', 'reactivate']])).status, 303);
    assert.equal((await stored()).state, 'active');
    assert.equal(flashOf((await owner.get(`/projects/${projectId}`)).html), 'Reactivated.');
  });

  it('PROJECT_OWNER_VIEWER reads the lifetimes without controls; forged posts change nothing', async () => {
    const acme = fixture.orgs.ACME!;
    const viewer = await signedInManager(
      fixture,
      'project-viewer',
      acme,
      membershipOn(fixture, 'project', acme, 'PROJECT_OWNER_VIEWER', projectId),
    );
    const project = await viewer.get(`/projects/${projectId}`);
    assert.equal(project.status, 200);
    assert.doesNotMatch(project.html, /Deactivate project|Reactivate project/);
    const page = await viewer.get(`/projects/${projectId}/token-lifetimes`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<dt>ID token<\/dt><dd>inherited from the organization<\/dd>/);
    assert.doesNotMatch(page.html, /Save lifetimes|type="number"/);

    const before = await stored();
    const forgedLifetimes = await viewer.post(
      `/projects/${projectId}/token-lifetimes`,
      lifetimesForm({ accessTokenSeconds: '120' }),
    );
    const forgedState = await viewer.post(`/projects/${projectId}`, [['action', 'deactivate']]);
    assert.deepEqual([forgedLifetimes.status, forgedState.status], [403, 403]);
    const afterwards = await stored();
    assert.deepEqual([afterwards.tokenLifetimes, afterwards.state], [before.tokenLifetimes, before.state]);
  });
});
