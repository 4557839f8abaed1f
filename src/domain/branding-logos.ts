import type { CachedAsset } from '../store/cache/asset-cache.ts';
import { findOrg } from '../store/queries/accounts.ts';
import { logoVersionBytes } from '../store/queries/branding-assets.ts';
import { isLogoVersion, parseLogoFileName, type BrandingLogos } from './rules/branding-logos.ts';

/**
 * The logo a URL under `{issuer}/assets/v1/branding/` names, within the request's instance only: `policyId` is the
 * instance's own id or one of its orgs', and the version must be the one that branding refers to now (a replaced or
 * removed logo is gone). The records are read from the per-instance cache and the bytes from the asset cache, so a
 * logo served before costs no database round trip.
 */
export async function servedLogo(
  instance: { _id: string; brandingLogos?: unknown },
  policyId: string,
  fileName: string,
): Promise<CachedAsset | null> {
  const named = parseLogoFileName(fileName);
  if (!named) return null;
  const logos =
    policyId === instance._id ? instance.brandingLogos : (await findOrg(instance._id, policyId))?.brandingLogos;
  const ref = (logos as BrandingLogos | null | undefined)?.[named.slot];
  if (!isLogoVersion(ref, named.hashPrefix)) return null;
  return logoVersionBytes({ instanceId: instance._id, policyId, slot: named.slot, hash: ref.hash });
}
