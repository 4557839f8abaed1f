import { z } from 'zod';
import { removeBrandingLogo, setBrandingLogo, type LogoOwnerId } from '../../domain/commands/branding-logos.ts';
import {
  effectiveLogos,
  LOGO_FILE_NAMES,
  LOGO_SLOT_NAMES,
  MAX_LOGO_BYTES,
  type BrandingLogos,
  type LogoSlot,
} from '../../domain/rules/branding-logos.ts';
import { IMAGE_TYPES } from '../../store/models/branding-asset.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { INSTANCE, ORG } from './locators.ts';
import { route, type ApiRoute, type Locator } from './route.ts';

/**
 * The image as base64 in JSON, as every other body of this API: one schema language for the body (validated and
 * documented in the OpenAPI document like the rest), and the console sends an uploaded file through the same route.
 */
export const logoUpload = z.strictObject({
  image: z
    .base64('must be the image’s bytes in base64')
    .max(Math.ceil(MAX_LOGO_BYTES / 3) * 4, `the image may hold at most ${MAX_LOGO_BYTES / 1024} KB`)
    .describe('The image file’s bytes, base64: PNG, JPEG, GIF, WebP or SVG by its content'),
});

const logoView = z
  .object({
    url: z.string(),
    contentType: z.enum(IMAGE_TYPES),
    size: z.number(),
    /** Set on the branding above (the instance's), not on this one. */
    inherited: z.boolean(),
  })
  .nullable();
export const brandingLogosView = z.object(
  Object.fromEntries(LOGO_SLOT_NAMES.map((slot) => [slot, logoView])) as Record<LogoSlot, typeof logoView>,
);

/** What each slot holds, in the routes' summaries (ZITADEL's label policy assets). */
const SLOT_DESCRIPTIONS: Record<LogoSlot, string> = {
  logo: 'logo',
  logoDark: 'dark-mode logo',
  icon: 'icon (a square mark, the pages’ favicon)',
  iconDark: 'dark-mode icon',
};

interface Owner {
  _id: string;
  brandingLogos?: unknown;
}

/** The logos a branding wears, each its own or inherited from the instance's (orgs only). */
function logosView(tenant: Tenant, owners: Owner[]): z.input<typeof brandingLogosView> {
  const [own] = owners;
  const logos = effectiveLogos(
    tenant.instance.issuer,
    owners.map((owner) => ({ policyId: owner._id, logos: owner.brandingLogos as BrandingLogos | null })),
  );
  const view = (slot: LogoSlot) => {
    const logo = logos[slot];
    if (!logo) return null;
    const { url, contentType, size, policyId } = logo;
    return { url, contentType, size, inherited: policyId !== own!._id };
  };
  return Object.fromEntries(LOGO_SLOT_NAMES.map((slot) => [slot, view(slot)])) as z.input<typeof brandingLogosView>;
}

/** The owner's logos with one slot changed (the record read before the change is otherwise current). */
const changed = (owner: Owner, slot: LogoSlot, logo: unknown): Owner => ({
  ...owner,
  brandingLogos: { ...(owner.brandingLogos as BrandingLogos | null), [slot]: logo },
});

interface Scope {
  base: string;
  tag: string;
  permissions: { read: string; write: string; remove: string };
  on: Locator<Owner>;
  /** The org's id, or null for the instance's own branding. */
  ownerId(target: Owner, tenant: Tenant): LogoOwnerId;
  /** The brandings a logo may come from, this one first. */
  owners(target: Owner, tenant: Tenant): Owner[];
  what: string;
}

function logoRoutes(scope: Scope): ApiRoute[] {
  const { base, tag, on, permissions, what } = scope;
  const slotRoutes = LOGO_SLOT_NAMES.flatMap((slot) => {
    const name = SLOT_DESCRIPTIONS[slot];
    return [
      route({
        method: 'put',
        path: `${base}/branding/${LOGO_FILE_NAMES[slot]}`,
        tag,
        summary:
          `Set the ${name} of ${what} (an asset of ZITADEL's label policy): \`image\` is the file's bytes in ` +
          `base64, a PNG, JPEG, GIF, WebP or SVG image of at most ${MAX_LOGO_BYTES / 1024} KB by its content ` +
          '(400 naming `image` otherwise). It is served under the issuer with its hash in the path (cached for a ' +
          'year); an SVG is served as an image only, under a Content-Security-Policy that runs nothing',
        permission: permissions.write,
        on,
        body: logoUpload,
        response: brandingLogosView,
        handler: async ({ target, tenant, actor, body }) => {
          const stored = await setBrandingLogo(
            actor,
            scope.ownerId(target, tenant),
            slot,
            Buffer.from(body.image, 'base64'),
          );
          const [, ...above] = scope.owners(target, tenant);
          return logosView(tenant, [changed(target, slot, stored), ...above]);
        },
      }),
      route({
        method: 'delete',
        path: `${base}/branding/${LOGO_FILE_NAMES[slot]}`,
        tag,
        summary: `Remove the ${name} of ${what}`,
        permission: permissions.remove,
        on,
        response: null,
        handler: async ({ target, tenant, actor }) => {
          await removeBrandingLogo(actor, scope.ownerId(target, tenant), slot);
        },
      }),
    ];
  });
  return [
    route({
      method: 'get',
      path: `${base}/branding/logos`,
      tag,
      summary: `The logos and icons ${what} wears, with their URLs, and whether each is inherited`,
      permission: permissions.read,
      on,
      response: brandingLogosView,
      handler: async ({ target, tenant }) => logosView(tenant, scope.owners(target, tenant)),
    }),
    ...slotRoutes,
  ];
}

export const brandingLogoRoutes: ApiRoute[] = [
  ...logoRoutes({
    base: '/orgs/{orgId}',
    tag: 'Organizations',
    permissions: { read: 'policy.read', write: 'policy.write', remove: 'policy.delete' },
    on: ORG as Locator<Owner>,
    ownerId: (org) => org._id,
    owners: (org, tenant) => [org, tenant.instance],
    what: "the org's branding (its login pages; without one, the instance's applies)",
  }),
  ...logoRoutes({
    base: '/instance',
    tag: 'Instance',
    permissions: { read: 'iam.policy.read', write: 'iam.policy.write', remove: 'iam.policy.delete' },
    on: INSTANCE as Locator<Owner>,
    ownerId: () => null,
    owners: (_instance, tenant) => [tenant.instance],
    what: "the instance's branding (of every org without a logo of its own)",
  }),
];
