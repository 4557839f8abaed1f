import { cachedAsset, type CachedAsset } from '../cache/asset-cache.ts';
import { BrandingAsset, type IMAGE_TYPES, type LOGO_SLOTS } from '../models/branding-asset.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';

export interface LogoVersion {
  instanceId: string;
  policyId: string;
  slot: (typeof LOGO_SLOTS)[number];
  hash: string;
}

/** Stores a logo version's bytes; the same bytes stored again are the version already there. */
export async function insertLogoVersion(
  version: LogoVersion & { contentType: (typeof IMAGE_TYPES)[number]; data: Buffer },
): Promise<void> {
  try {
    await BrandingAsset.create(version);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/** Deletes the slot's versions but `keptHash` (every version when null). */
export async function deleteLogoVersions(owner: Omit<LogoVersion, 'hash'>, keptHash: string | null): Promise<void> {
  await BrandingAsset.deleteMany({ ...owner, ...(keptHash ? { hash: { $ne: keptHash } } : {}) });
}

/** A version's type and bytes, read once per process (cache/asset-cache.ts); null when it is not stored. */
export function logoVersionBytes(version: LogoVersion): Promise<CachedAsset | null> {
  const { instanceId, policyId, slot, hash } = version;
  return cachedAsset(instanceId, [policyId, slot, hash], async () => {
    const found = await BrandingAsset.findOne(version, { contentType: 1, data: 1 }).lean();
    if (!found) return null;
    // A lean read holds the driver's Binary, whose `buffer` is the bytes.
    const data = found.data as unknown as Buffer | { buffer: Uint8Array };
    return { contentType: found.contentType, data: Buffer.isBuffer(data) ? data : Buffer.from(data.buffer) };
  });
}
