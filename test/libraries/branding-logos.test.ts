// The rules of a branding's logos (domain/rules/branding-logos.ts): the type by magic numbers, the limits, the URL
// names, and the inheritance slot by slot.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkedLogo,
  effectiveLogos,
  imageTypeOf,
  MAX_LOGO_BYTES,
  parseLogoFileName,
} from '../../src/domain/rules/branding-logos.ts';
import { GIF, JPEG, pngOf, SVG, WEBP } from '../helpers/images.ts';

describe('logo rules', () => {
  it('tells the type by the bytes, never by a name or claim', () => {
    assert.equal(imageTypeOf(pngOf(1, 1, [0, 0, 0])), 'image/png');
    assert.equal(imageTypeOf(JPEG), 'image/jpeg');
    assert.equal(imageTypeOf(GIF), 'image/gif');
    assert.equal(imageTypeOf(WEBP), 'image/webp');
    assert.equal(imageTypeOf(SVG), 'image/svg+xml');
    assert.equal(imageTypeOf(Buffer.from('\uFEFF  <svg viewBox="0 0 1 1"></svg>')), 'image/svg+xml', 'BOM, blanks');
    for (const refused of [
      '<html><svg></svg></html>',
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg/>',
      '<svgx/>',
      'RIFF\0\0\0\0AVI LIST',
      'GIF90a',
    ])
      assert.equal(imageTypeOf(Buffer.from(refused)), null, refused);
    assert.equal(imageTypeOf(Buffer.from([0xff, 0xfe, 0x3c, 0x00])), null, 'not UTF-8');
  });

  it('refuses empty and too large images with a reason', () => {
    assert.deepEqual(checkedLogo(Buffer.alloc(0)), { problem: 'choose an image file' });
    const large = Buffer.concat([pngOf(1, 1, [0, 0, 0]), Buffer.alloc(MAX_LOGO_BYTES)]);
    assert.deepEqual(checkedLogo(large), { problem: 'the image may hold at most 256 KB' });
    assert.deepEqual(checkedLogo(GIF), { type: 'image/gif' });
  });

  it('names versions by slot and hash prefix, and picks each slot from the first branding that has it', () => {
    assert.deepEqual(parseLogoFileName('logo-dark-0123456789abcdef'), {
      slot: 'logoDark',
      hashPrefix: '0123456789abcdef',
    });
    assert.deepEqual(parseLogoFileName('icon-dark-0123456789abcdef'), {
      slot: 'iconDark',
      hashPrefix: '0123456789abcdef',
    });
    for (const name of ['logo-0123', 'logo.png', 'favicon-0123456789abcdef', 'logo-0123456789ABCDEF', 'icon-dark'])
      assert.equal(parseLogoFileName(name), null, name);
    const ref = (hash: string) => ({ hash: hash.repeat(64), contentType: 'image/png' as const, size: 1 });
    const logos = effectiveLogos('https://id.example', [
      { policyId: 'org', logos: { logo: ref('a'), logoDark: null } },
      { policyId: 'instance', logos: { logo: ref('b'), logoDark: ref('c') } },
    ]);
    assert.equal(logos.logo?.url, `https://id.example/assets/v1/branding/org/logo-${'a'.repeat(16)}`);
    assert.equal(logos.logoDark?.url, `https://id.example/assets/v1/branding/instance/logo-dark-${'c'.repeat(16)}`);
  });
});
