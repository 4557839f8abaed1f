import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Project } from '../../src/store/models/index.ts';
import { rewriteArray } from '../../src/store/queries/array-rewrite.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

const WRITERS = 20;
const ROUNDS = 3;

it('keeps every one of 20 concurrent edits of one array (FerretDB v1 does not make compare-and-set atomic)', async () => {
  for (let round = 0; round < ROUNDS; round += 1) {
    const project = await Project.create({ instanceId: 'i1', orgId: 'o1', name: `concurrent ${round}` });
    const outcomes = await Promise.all(
      Array.from({ length: WRITERS }, (_, index) =>
        rewriteArray<{ key: string; displayName: string }>(
          Project,
          { instanceId: 'i1', _id: project._id },
          'roles',
          (roles) => [...roles, { key: `role-${index}`, displayName: `Role ${index}` }],
        ),
      ),
    );
    assert.deepEqual(new Set(outcomes), new Set(['done']));
    const stored = await Project.findById(project._id).lean();
    assert.equal(stored?.roles.length, WRITERS, `round ${round}: ${stored?.roles.length} of ${WRITERS} edits kept`);
  }
});

it('answers missing for a document that does not exist, and leaves no lock behind', async () => {
  const outcome = await rewriteArray(Project, { instanceId: 'i1', _id: 'no-such-project' }, 'roles', (roles) => roles);
  assert.equal(outcome, 'missing');
  const again = await rewriteArray(Project, { instanceId: 'i1', _id: 'no-such-project' }, 'roles', (roles) => roles);
  assert.equal(again, 'missing');
});
