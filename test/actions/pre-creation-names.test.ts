// ZITADEL v1's pre-creation name setters as a pure rule (src/domain/rules/action-flows.ts withNamesOf).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withNamesOf } from '../../src/domain/rules/action-flows.ts';

const human = { givenName: 'Una', familyName: 'Stream', displayName: 'Una Stream', email: 'u@example.test' };
const call = (name: string, value: unknown) => ({ name, args: [value] });

describe('withNamesOf', () => {
  it('applies the last setFirstName and setLastName; a derived display name follows', () => {
    const adjusted = withNamesOf(human, [
      call('setFirstName', 'A'),
      call('setFirstName', ' Ann '),
      call('setLastName', 'Lee'),
    ]);
    assert.deepEqual(adjusted, { ...human, givenName: 'Ann', familyName: 'Lee', displayName: 'Ann Lee' });
  });

  it('keeps a display name given explicitly, and ignores an empty or too long name', () => {
    const explicit = { ...human, displayName: 'U. S.' };
    const adjusted = withNamesOf(explicit, [call('setFirstName', ''), call('setLastName', 'x'.repeat(201))]);
    assert.deepEqual(adjusted, explicit);
    assert.deepEqual(withNamesOf(explicit, [call('setLastName', 'Ray')]), { ...explicit, familyName: 'Ray' });
  });
});
