// Project, application and project grant models: role keys, application types, client ids, grant uniqueness.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Application, Project, ProjectGrant } from '../../src/store/models/index.ts';
import { useFreshDatabase } from '../helpers/database.ts';
import { assertDuplicate, assertInvalid } from '../helpers/model-assertions.ts';

const instanceId = 'instance-1';
let dropDatabase: () => Promise<void>;

before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

describe('project', () => {
  it('validates role keys and keeps them unique within the project', async () => {
    await assertInvalid(
      new Project({ instanceId, orgId: 'o', name: 'P', roles: [{ key: 'bad key', displayName: 'x' }] }),
      'roles',
    );
    await assertInvalid(
      new Project({
        instanceId,
        orgId: 'o',
        name: 'P',
        roles: [
          { key: 'a', displayName: 'A' },
          { key: 'a', displayName: 'A again' },
        ],
      }),
      'roles',
    );
    await assertInvalid(
      new Project({ instanceId, orgId: 'o', name: 'P', privateLabelingSetting: 'whatever' }),
      'privateLabelingSetting',
    );
    const project = await Project.create({
      instanceId,
      orgId: 'o',
      name: 'P',
      roles: [{ key: 'support:read', displayName: 'Support read' }],
    });
    assert.equal(project.projectRoleAssertion, false);
    assert.equal(project.state, 'active');
    await assertDuplicate(() => Project.create({ instanceId, orgId: 'o', name: 'P' }));
    await Project.create({ instanceId, orgId: 'o2', name: 'P' });
  });
});

describe('application', () => {
  it('needs the configuration of its type and a unique client id per instance', async () => {
    await assertInvalid(
      new Application({ instanceId, projectId: 'p', orgId: 'o', name: 'A', type: 'oidc', clientId: 'c1' }),
      'oidc',
    );
    await assertInvalid(
      new Application({ instanceId, projectId: 'p', orgId: 'o', name: 'A', type: 'api', clientId: 'c1' }),
      'api',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'api',
        clientId: 'c1',
        api: { authMethod: 'none' },
      }),
      'api',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'has.dot',
        oidc: {},
      }),
      'clientId',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'c1',
        oidc: { grantTypes: ['password'] },
      }),
      'oidc',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'c1',
        oidc: { responseTypes: ['token'] },
      }),
      'oidc',
    );
    await assertInvalid(
      new Application({
        instanceId,
        projectId: 'p',
        orgId: 'o',
        name: 'A',
        type: 'oidc',
        clientId: 'c1',
        oidc: { clockSkewSeconds: 6 },
      }),
      'oidc',
    );
    const app = await Application.create({
      instanceId,
      projectId: 'p',
      orgId: 'o',
      name: 'A',
      type: 'oidc',
      clientId: 'c1',
      oidc: { redirectUris: ['https://rp.example.com/cb'] },
    });
    assert.deepEqual(app.oidc?.grantTypes, ['authorization_code']);
    assert.equal(app.oidc?.authMethod, 'basic');
    await assertDuplicate(() =>
      Application.create({
        instanceId,
        projectId: 'p2',
        orgId: 'o',
        name: 'B',
        type: 'api',
        clientId: 'c1',
        api: { authMethod: 'basic' },
      }),
    );
  });
});

describe('project grant', () => {
  it('is never to the owner org and one per project and granted org', async () => {
    await assertInvalid(
      new ProjectGrant({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'o' }),
      'grantedOrgId',
    );
    await ProjectGrant.create({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'g', roleKeys: ['a'] });
    await assertDuplicate(() =>
      ProjectGrant.create({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'g', roleKeys: [] }),
    );
    await ProjectGrant.create({ instanceId, projectId: 'p', orgId: 'o', grantedOrgId: 'h' });
  });
});
