// ZITADEL v1's pre-creation setters as a pure rule (src/domain/rules/pre-creation-profile.ts withProfileOf).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withProfileOf } from '../../src/domain/rules/pre-creation-profile.ts';

const human = {
  givenName: 'Una',
  familyName: 'Stream',
  displayName: 'Una Stream',
  email: 'u@example.test',
  emailVerified: true,
};
const draft = { username: 'una', human };
const call = (name: string, value: unknown) => ({ name, args: [value] });

describe('withProfileOf', () => {
  it('applies the last setFirstName and setLastName; a derived display name follows', () => {
    const adjusted = withProfileOf(draft, [
      call('setFirstName', 'A'),
      call('setFirstName', ' Ann '),
      call('setLastName', 'Lee'),
    ]);
    assert.deepEqual(adjusted.human, { ...human, givenName: 'Ann', familyName: 'Lee', displayName: 'Ann Lee' });
  });

  it('keeps a display name given explicitly, and ignores an empty or too long name', () => {
    const explicit = { ...draft, human: { ...human, displayName: 'U. S.' } };
    const adjusted = withProfileOf(explicit, [call('setFirstName', ''), call('setLastName', 'x'.repeat(201))]);
    assert.deepEqual(adjusted, explicit);
    assert.deepEqual(withProfileOf(explicit, [call('setLastName', 'Ray')]).human, {
      ...explicit.human,
      familyName: 'Ray',
    });
  });

  it('sets every other field ZITADEL lists, and leaves a field alone for a value it cannot hold', () => {
    const adjusted = withProfileOf(draft, [
      call('setNickName', 'Nu'),
      call('setDisplayName', 'Una S.'),
      call('setPreferredLanguage', 'de-ch'),
      call('setGender', 1),
      call('setUsername', 'una.stream'),
      call('setEmail', 'Una@Stream.Example'),
      call('setPhone', '+41 44 000 00 00'),
      call('setPhoneVerified', true),
    ]);
    assert.deepEqual(adjusted, {
      username: 'una.stream',
      human: {
        ...human,
        nickname: 'Nu',
        displayName: 'Una S.',
        locale: 'de-CH',
        gender: 'female',
        email: 'una@stream.example',
        emailVerified: false,
        phone: '+41 44 000 00 00',
        phoneVerified: true,
      },
    });
    assert.equal(withProfileOf(adjusted, [call('setEmailVerified', true)]).human.emailVerified, true);
    const refused = [
      call('setPreferredLanguage', 'not a tag!'),
      call('setGender', 7),
      call('setUsername', 'has space'),
      call('setEmail', 'nope'),
      call('setPhone', 'call me'),
    ];
    assert.deepEqual(withProfileOf(adjusted, refused), adjusted);
  });
});
