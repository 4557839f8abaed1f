/**
 * The images of a branding (ZITADEL's label policy: a logo and an icon, each also for dark mode), all called logos
 * here and kept in slots: what an upload may be, and where the pages find it. An org's image overrides the
 * instance's, slot by slot, as the colours do (login-policy.ts).
 */

import type { IMAGE_TYPES, LOGO_SLOTS } from '../../store/models/branding-asset.ts';
import type { LoginPolicyOverride } from './login-policy.ts';

export type LogoSlot = (typeof LOGO_SLOTS)[number];
export type ImageType = (typeof IMAGE_TYPES)[number];

/** A slot's name in URLs, paths and the API: `logo`, `logo-dark`, `icon`, `icon-dark`. */
export const LOGO_FILE_NAMES: Record<LogoSlot, string> = {
  logo: 'logo',
  logoDark: 'logo-dark',
  icon: 'icon',
  iconDark: 'icon-dark',
};
export const LOGO_SLOT_NAMES = Object.keys(LOGO_FILE_NAMES) as LogoSlot[];
const SLOT_OF_FILE_NAME = new Map(LOGO_SLOT_NAMES.map((slot) => [LOGO_FILE_NAMES[slot], slot]));

/** A logo is a small picture: 256 KiB (ZITADEL's console suggests logos well below that). */
export const MAX_LOGO_BYTES = 256 * 1024;

/** Where the logos are served, under the issuer: `{issuer}/assets/v1/branding/{policyId}/{logo|logo-dark}-{hash}`. */
export const BRANDING_ASSETS_PATH = '/assets/v1/branding';

/** How much of the SHA-256 of the bytes names a logo's version in its URL (64 bits: no two versions collide). */
const HASH_IN_URL = 16;

/** A stored logo as the org or instance record refers to it; its bytes are kept apart (store/models/branding-asset). */
export interface LogoRef {
  /** SHA-256 of the bytes, hex. */
  hash: string;
  contentType: ImageType;
  size: number;
}

export type BrandingLogos = Partial<Record<LogoSlot, LogoRef | null>>;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  signature.every((byte, index) => bytes[at + index] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/**
 * An SVG document: UTF-8 text whose first element is `<svg`, after an optional XML declaration, comments and a
 * DOCTYPE without an internal subset (entity declarations are refused with it). SVG has no magic number.
 */
function isSvg(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes.subarray(0, 4096));
  } catch {
    // A multi-byte character cut at 4096 bytes is not an error of the file: decode the prefix leniently then.
    if (bytes.length <= 4096) return false;
    text = new TextDecoder('utf-8').decode(bytes.subarray(0, 4096));
  }
  return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>[]*>\s*)*<svg[\s>/]/.test(text);
}

/**
 * The type of an image by its bytes' magic numbers (never the client's claim): PNG, JPEG, GIF, WebP, SVG; null for
 * anything else. PNG: RFC 2083 §3.1; JPEG: SOI marker FF D8 FF; GIF87a/GIF89a; WebP: RIFF....WEBP (RFC 9649 §2).
 */
export function imageTypeOf(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (isSvg(bytes)) return 'image/svg+xml';
  return null;
}

/** Why these bytes cannot be a logo, or their type. */
export function checkedLogo(bytes: Uint8Array): { type: ImageType } | { problem: string } {
  if (bytes.length === 0) return { problem: 'choose an image file' };
  if (bytes.length > MAX_LOGO_BYTES) return { problem: `the image may hold at most ${MAX_LOGO_BYTES / 1024} KB` };
  const type = imageTypeOf(bytes);
  return type ? { type } : { problem: 'must be a PNG, JPEG, GIF, WebP or SVG image' };
}

/** The path of a logo version, under the issuer. */
export function logoPath(policyId: string, slot: LogoSlot, hash: string): string {
  return `${BRANDING_ASSETS_PATH}/${policyId}/${LOGO_FILE_NAMES[slot]}-${hash.slice(0, HASH_IN_URL)}`;
}

/** The slot and hash prefix a logo's file name (`logo-…`, `logo-dark-…`, `icon-…`, `icon-dark-…`) names, or null. */
export function parseLogoFileName(name: string): { slot: LogoSlot; hashPrefix: string } | null {
  const match = /^([a-z-]+)-([0-9a-f]+)$/.exec(name);
  const slot = match && SLOT_OF_FILE_NAME.get(match[1]!);
  if (!slot || match[2]!.length !== HASH_IN_URL) return null;
  return { slot, hashPrefix: match[2]! };
}

/** Whether `ref` is the logo version a URL's hash prefix names. */
export function isLogoVersion(ref: LogoRef | null | undefined, hashPrefix: string): ref is LogoRef {
  return Boolean(ref && ref.hash.slice(0, HASH_IN_URL) === hashPrefix);
}

/**
 * The branding part of a policy with its owner's own logos as URLs (`logoUrl`, `logoDarkUrl`, `iconUrl`,
 * `iconDarkUrl`); a slot it has no logo for is left out, so that the one above (the instance's) applies, as for a
 * colour.
 */
export function brandingWithLogos<P extends { branding?: object | null }>(
  policy: P | null | undefined,
  owner: { issuer: string; policyId: string; logos: BrandingLogos | null | undefined },
): P {
  const urls: Record<string, string> = {};
  for (const slot of LOGO_SLOT_NAMES) {
    const ref = owner.logos?.[slot];
    if (ref) urls[`${slot}Url`] = `${owner.issuer}${logoPath(owner.policyId, slot, ref.hash)}`;
  }
  if (!Object.keys(urls).length) return (policy ?? {}) as P;
  return { ...policy, branding: { ...policy?.branding, ...urls } } as P;
}

/** A branding's owner as stored: an org, or the instance (whose id is its default branding's). */
export interface BrandingOwner {
  _id: string;
  loginPolicy?: unknown;
  brandingLogos?: unknown;
}

/** The owner's policy (by default the stored one) with its own logos' URLs under the issuer (brandingWithLogos). */
export function policyWithOwnLogos(
  issuer: string,
  owner: BrandingOwner,
  policy: unknown = owner.loginPolicy,
): LoginPolicyOverride {
  return brandingWithLogos(policy as LoginPolicyOverride | null, {
    issuer,
    policyId: owner._id,
    logos: owner.brandingLogos as BrandingLogos | null,
  });
}

export interface EffectiveLogo extends LogoRef {
  url: string;
  /** Whose branding it belongs to. */
  policyId: string;
}

/** Each slot's logo from the first branding that has one (an org's, then the instance's), with its URL. */
export function effectiveLogos(
  issuer: string,
  owners: Array<{ policyId: string; logos: BrandingLogos | null | undefined }>,
): Record<LogoSlot, EffectiveLogo | null> {
  const pick = (slot: LogoSlot): EffectiveLogo | null => {
    const owner = owners.find((candidate) => candidate.logos?.[slot]);
    const ref = owner?.logos?.[slot];
    if (!owner || !ref) return null;
    const { hash, contentType, size } = ref;
    return {
      hash,
      contentType,
      size,
      policyId: owner.policyId,
      url: `${issuer}${logoPath(owner.policyId, slot, hash)}`,
    };
  };
  return Object.fromEntries(LOGO_SLOT_NAMES.map((slot) => [slot, pick(slot)])) as Record<
    LogoSlot,
    EffectiveLogo | null
  >;
}
