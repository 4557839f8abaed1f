import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Organization } from '../../src/store/models/index.ts';
import { findScoped } from '../../src/store/queries/scoped.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

it('finds a document of its own instance only, and only when the conditions hold', async () => {
  const org = await Organization.create({
    instanceId: 'i1',
    name: 'Scoped',
    primaryDomain: 'scoped.example.com',
    state: 'inactive',
  });
  assert.equal((await findScoped(Organization, 'i1', org._id))?.name, 'Scoped');
  assert.equal(await findScoped(Organization, 'i2', org._id), null, 'another instance never sees it');
  assert.equal(await findScoped(Organization, 'i1', org._id, { state: 'active' }), null);
  assert.equal((await findScoped(Organization, 'i1', org._id, { state: 'inactive' }))?._id, org._id);
  assert.equal(await findScoped(Organization, 'i1', 'missing'), null);

  const narrow = await findScoped(Organization, 'i1', org._id, { state: 'inactive' }, { name: 1 });
  assert.deepEqual(
    Object.keys(narrow ?? {}).sort(),
    ['_id', 'instanceId', 'name', 'state'],
    'an inclusive projection still carries what is checked',
  );
  const withoutDomains = await findScoped(Organization, 'i1', org._id, {}, { domains: 0 });
  assert.equal(withoutDomains?.primaryDomain, 'scoped.example.com');
  assert.equal('domains' in (withoutDomains ?? {}), false);
});
