import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Collection } from 'mongodb';
import { oidcPayloadModel, type OidcPayloadDocument } from '../../src/store/models/oidc-payload.ts';
import { InteractionAdapter, readForDisplay } from '../../src/oidc/interaction-adapter.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

const exp = () => Math.floor(Date.now() / 1000) + 60;

/** What another process does to the stored interaction: this process's adapter does not see it happen. */
const interactions = () => oidcPayloadModel('Interaction').collection as unknown as Collection<OidcPayloadDocument>;

describe('the interactions adapter', () => {
  it('shows the copy this process stored; a read to write the interaction sees what another process stored', async () => {
    const adapter = new InteractionAdapter('i1');
    await adapter.upsert('shown', { uid: 'shown', exp: exp() }, 60);
    await interactions().updateOne(
      { _id: 'i1:shown' },
      { $set: { payload: JSON.stringify({ uid: 'shown', exp: exp(), result: { login: {} } }) } },
    );
    assert.equal((await readForDisplay(() => adapter.find('shown')))?.result, undefined, 'the copy');
    assert.ok((await adapter.find('shown'))?.result, 'the database');
    assert.ok((await readForDisplay(() => adapter.find('shown')))?.result, 'the copy is what was read last');
  });

  it('shows an interaction this process ended as gone, and one another process ended until the copy is read again', async () => {
    const adapter = new InteractionAdapter('i1');
    await adapter.upsert('ended-here', { uid: 'ended-here', exp: exp() }, 60);
    await adapter.destroy('ended-here');
    assert.equal(await readForDisplay(() => adapter.find('ended-here')), undefined);
    assert.equal(await adapter.find('ended-here'), undefined);
    await adapter.upsert('ended-elsewhere', { uid: 'ended-elsewhere', exp: exp() }, 60);
    await interactions().deleteOne({ _id: 'i1:ended-elsewhere' });
    assert.equal(await adapter.find('ended-elsewhere'), undefined, 'a read to write it finds none');
  });

  it('keeps copies per instance, and none of an interaction that expired', async () => {
    const mine = new InteractionAdapter('i1');
    const theirs = new InteractionAdapter('i2');
    await mine.upsert('same', { uid: 'mine', exp: exp() }, 60);
    assert.equal(await readForDisplay(() => theirs.find('same')), undefined);
    await mine.upsert('short', { uid: 'short', exp: exp() }, 0.05);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(await readForDisplay(() => mine.find('short')), undefined);
  });
});
