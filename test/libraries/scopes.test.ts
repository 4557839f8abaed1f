import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isReservedScope, parseReservedScopes, requestedOrg, splitScope } from '../../src/domain/rules/scopes.ts';

describe('reserved scopes', () => {
  it('parses every reserved scope of the spec', () => {
    const parsed = parseReservedScopes(
      [
        'openid',
        'urn:zitadel:iam:org:id:111',
        'urn:zitadel:iam:org:domain:primary:acme.example.com',
        'urn:zitadel:iam:org:project:role:accountant',
        'urn:zitadel:iam:org:project:role:developer',
        'urn:zitadel:iam:org:projects:roles',
        'urn:zitadel:iam:org:project:id:222:aud',
        'urn:zitadel:iam:org:project:id:zitadel:aud',
        'urn:zitadel:iam:org:roles:id:333',
        'urn:zitadel:iam:org:idp:id:444',
        'urn:zitadel:iam:user:metadata',
        'urn:zitadel:iam:user:resourceowner',
      ].join(' '),
    );
    assert.deepEqual(parsed, {
      orgIds: ['111'],
      orgPrimaryDomains: ['acme.example.com'],
      roleKeys: ['accountant', 'developer'],
      projectsRoles: true,
      audienceProjectIds: ['222', 'zitadel'],
      roleOrgIds: ['333'],
      idpIds: ['444'],
      metadata: true,
      resourceOwner: true,
    });
  });

  it('ignores a project id scope without the :aud suffix and empty suffixes', () => {
    const parsed = parseReservedScopes(
      [
        'urn:zitadel:iam:org:project:id:222',
        'urn:zitadel:iam:org:project:id::aud',
        'urn:zitadel:iam:org:id:',
        'urn:zitadel:iam:org:project:role:',
      ].join(' '),
    );
    assert.deepEqual(parsed.audienceProjectIds, []);
    assert.deepEqual(parsed.orgIds, []);
    assert.deepEqual(parsed.roleKeys, []);
  });

  it('does not treat legacy or claim-name scopes as reserved', () => {
    assert.equal(isReservedScope('urn:iam:org:project:roles'), false);
    assert.equal(isReservedScope('urn:zitadel:iam:org:project:roles'), false);
    assert.equal(isReservedScope('urn:zitadel:iam:org:projects:roles'), true);
    assert.equal(isReservedScope('urn:zitadel:iam:org:id:1'), true);
  });

  it('deduplicates and splits scope strings and arrays', () => {
    assert.deepEqual(splitScope('openid  openid profile'), ['openid', 'profile']);
    assert.deepEqual(splitScope(['a', 'a', 'b']), ['a', 'b']);
    assert.deepEqual(splitScope(undefined), []);
  });

  it('tells which org a login is restricted to', () => {
    assert.deepEqual(requestedOrg({ orgIds: [], orgPrimaryDomains: [] }), { kind: 'none' });
    assert.deepEqual(requestedOrg({ orgIds: ['1'], orgPrimaryDomains: [] }), { kind: 'id', value: '1' });
    assert.deepEqual(requestedOrg({ orgIds: [], orgPrimaryDomains: ['a.b'] }), { kind: 'domain', value: 'a.b' });
    assert.deepEqual(requestedOrg({ orgIds: ['1'], orgPrimaryDomains: ['a.b'] }), {
      kind: 'several',
      ids: ['1'],
      domains: ['a.b'],
    });
  });
});
