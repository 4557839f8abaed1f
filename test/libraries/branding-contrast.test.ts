// The login branding's contrast check (domain/rules/branding.ts), against WCAG 2.2's own worked values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contrastRatio, contrastWarnings } from '../../src/domain/rules/branding.ts';

describe('branding contrast', () => {
  it('computes WCAG 2.2 contrast ratios', () => {
    assert.equal(contrastRatio('#000000', '#ffffff'), 21);
    assert.equal(contrastRatio('#ffffff', '#ffffff'), 1);
    // #767676 on white is the classic lightest grey that passes AA (4.54:1).
    assert.equal(contrastRatio('#767676', '#ffffff').toFixed(2), '4.54');
  });

  it('warns about each colour pair of the login page below 4.5:1, and only those', () => {
    const defaults = { primaryColor: '#5469d4', backgroundColor: '#fafafa', fontColor: '#000000' };
    assert.deepEqual(contrastWarnings(defaults), []);
    const pale = contrastWarnings({ primaryColor: '#ffeb3b', backgroundColor: '#ffffff', fontColor: '#cccccc' });
    assert.equal(pale.length, 2);
    assert.match(pale[0]!, /^Button text \(white\) on the primary colour: contrast 1\.\d:1/);
    assert.match(pale[1]!, /^The text colour on the background/);
  });
});
