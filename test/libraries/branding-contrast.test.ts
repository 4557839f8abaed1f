// The branding's contrast check (domain/rules/branding.ts), light and dark colours, against WCAG 2.2's worked values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contrastRatio, contrastWarnings } from '../../src/domain/rules/branding.ts';
import { defaultLoginPolicy } from '../../src/domain/rules/login-policy.ts';

describe('branding contrast', () => {
  it('computes WCAG 2.2 contrast ratios', () => {
    assert.equal(contrastRatio('#000000', '#ffffff'), 21);
    assert.equal(contrastRatio('#ffffff', '#ffffff'), 1);
    // #767676 on white is the classic lightest grey that passes AA (4.54:1).
    assert.equal(contrastRatio('#767676', '#ffffff').toFixed(2), '4.54');
  });

  it('warns about each colour pair of the pages below 4.5:1, in both schemes, and only those', () => {
    const {
      displayName: _name,
      logoUrl: _logo,
      logoDarkUrl: _dark,
      iconUrl: _icon,
      iconDarkUrl: _iconDark,
      ...defaults
    } = defaultLoginPolicy.branding;
    assert.deepEqual(contrastWarnings(defaults), [], 'ZITADEL’s default colours pass, light and dark');
    const pale = contrastWarnings({
      ...defaults,
      primaryColor: '#ffeb3b',
      backgroundColor: '#ffffff',
      fontColor: '#cccccc',
      warnColorDark: '#5a0000',
    });
    assert.equal(pale.length, 3);
    assert.match(pale[0]!, /^Button text \(white\) on the primary colour \(light\): contrast 1\.\d:1/);
    assert.match(pale[1]!, /^The text colour on the background \(light\)/);
    assert.match(pale[2]!, /^Error text \(the warn colour\) on the page’s card \(dark\)/);
    const darkOnly = contrastWarnings({ ...defaults, primaryColorDark: '#a5b4fc', fontColorDark: '#222222' });
    assert.deepEqual(
      darkOnly.map((warning) => warning.split(':')[0]),
      ['Button text (white) on the primary colour (dark)', 'The text colour on the background (dark)'],
    );
  });
});
