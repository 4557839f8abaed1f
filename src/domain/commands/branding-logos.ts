import { createHash } from 'node:crypto';
import { Instance, Organization } from '../../store/models/index.ts';
import { deleteLogoVersions, insertLogoVersion } from '../../store/queries/branding-assets.ts';
import { releaseLease, takeLease } from '../../store/queries/leases.ts';
import { invalidField, notFound } from '../errors.ts';
import { checkedLogo, LOGO_FILE_NAMES, type LogoRef, type LogoSlot } from '../rules/branding-logos.ts';
import { asOneChange, concurrentChange, recordChange, type Actor } from './changes.ts';

/** Whose branding a logo belongs to: an org's, or (null) the instance's default. */
export type LogoOwnerId = string | null;

/** Long enough for three small writes; a holder that died is taken over after it. */
const LOGO_LEASE_MS = 10_000;

/**
 * One change of a slot at a time (a lease, store/queries/leases.ts): an upload stores the new version, points the
 * record at it, then deletes the older versions, and a concurrent upload or removal must not delete in between what
 * the other one's record points at. The loser is told to retry (409).
 */
async function changingSlot<T>(actor: Actor, policyId: string, slot: LogoSlot, change: () => Promise<T>): Promise<T> {
  const key = `branding-logo:${actor.instanceId}:${policyId}:${slot}`;
  const holder = await takeLease(key, LOGO_LEASE_MS);
  if (!holder) throw concurrentChange();
  try {
    return await change();
  } finally {
    await releaseLease(key, holder);
  }
}

/** Points the owner's record at a version of the slot (null: none, the one above applies). */
async function setLogoRef(actor: Actor, orgId: LogoOwnerId, slot: LogoSlot, ref: LogoRef | null): Promise<void> {
  const update = { $set: { [`brandingLogos.${slot}`]: ref } };
  const result = orgId
    ? await Organization.updateOne({ instanceId: actor.instanceId, _id: orgId }, update, { runValidators: true })
    : await Instance.updateOne({ _id: actor.instanceId }, update, { runValidators: true });
  if (!result.matchedCount) throw notFound();
}

/** `logo`, `logo_dark`: as the other event types spell words (`org.login_policy.set`). */
const eventNameOf = (slot: LogoSlot) => LOGO_FILE_NAMES[slot].replace('-', '_');

function recordLogoChange(actor: Actor, orgId: LogoOwnerId, change: string, payload: Record<string, unknown>) {
  return recordChange(actor, {
    orgId,
    type: `${orgId ? 'org' : 'instance'}.branding.${change}`,
    resourceType: orgId ? 'org' : 'instance',
    resourceId: orgId ?? actor.instanceId,
    payload,
  });
}

/**
 * Sets a logo of an org's branding or the instance's (ZITADEL's asset API, `POST /assets/v1/org/policy/label/logo`):
 * the bytes must be a PNG, JPEG, GIF, WebP or SVG image by their magic numbers, of at most MAX_LOGO_BYTES (400 naming
 * `image` otherwise). Returns the version stored.
 */
export function setBrandingLogo(actor: Actor, orgId: LogoOwnerId, slot: LogoSlot, bytes: Buffer): Promise<LogoRef> {
  const checked = checkedLogo(bytes);
  if ('problem' in checked) throw invalidField('image', checked.problem);
  const policyId = orgId ?? actor.instanceId;
  const ref: LogoRef = {
    hash: createHash('sha256').update(bytes).digest('hex'),
    contentType: checked.type,
    size: bytes.length,
  };
  return asOneChange(actor, () =>
    changingSlot(actor, policyId, slot, async () => {
      const owner = { instanceId: actor.instanceId, policyId, slot };
      await insertLogoVersion({ ...owner, hash: ref.hash, contentType: ref.contentType, data: bytes });
      await setLogoRef(actor, orgId, slot, ref);
      await deleteLogoVersions(owner, ref.hash);
      await recordLogoChange(actor, orgId, `${eventNameOf(slot)}.set`, { ...ref });
      return ref;
    }),
  );
}

/** Removes a logo of an org's branding (the instance's applies again) or of the instance's (none is shown). */
export function removeBrandingLogo(actor: Actor, orgId: LogoOwnerId, slot: LogoSlot): Promise<void> {
  const policyId = orgId ?? actor.instanceId;
  return asOneChange(actor, () =>
    changingSlot(actor, policyId, slot, async () => {
      await setLogoRef(actor, orgId, slot, null);
      await deleteLogoVersions({ instanceId: actor.instanceId, policyId, slot }, null);
      await recordLogoChange(actor, orgId, `${eventNameOf(slot)}.removed`, {});
    }),
  );
}
