import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKeys } from '../../src/store/cache/keys.ts';

describe('cache keys', () => {
  it('are the same for the same value, and differ between kinds given the same parts', () => {
    assert.equal(cacheKeys.roleGrants('u', ['p1', 'p2'], ['o']), cacheKeys.roleGrants('u', ['p1', 'p2'], ['o']));
    const builders = Object.values(cacheKeys) as Array<(...parts: unknown[]) => string>;
    const keys = builders.map((build) => build('x', 'x', ['x']));
    assert.equal(new Set(keys).size, builders.length);
  });

  it('never collide whatever separators the parts hold', () => {
    const distinct = [
      cacheKeys.humanUsersByOrgUsername('org:a', 'b'),
      cacheKeys.humanUsersByOrgUsername('org', 'a:b'),
      cacheKeys.roleGrants('u', ['p1,p2'], []),
      cacheKeys.roleGrants('u', ['p1', 'p2'], []),
      cacheKeys.roleGrants('u', ['p1'], ['p2']),
      cacheKeys.roleGrants('u:p1', [], []),
      cacheKeys.humanUsersByUsername('a"],["b'),
      cacheKeys.humanUsersByUsername('a'),
    ];
    assert.equal(new Set(distinct).size, distinct.length);
  });
});
