import { LOGO_FILE_NAMES, LOGO_SLOT_NAMES, type LogoSlot } from '../../domain/rules/branding-logos.ts';
import { IMAGE_TYPES } from '../../store/models/branding-asset.ts';
import type { Console, PageAction, Params } from './kit.ts';

/** Each slot's label, hint, and what the pages show without it. */
const LABELS: Record<LogoSlot, { label: string; hint: string; absent: string }> = {
  logo: {
    label: 'Logo',
    hint: 'Shown at the top of the login pages and of this console, in place of the name.',
    absent: 'the name is shown (in dark mode too, unless there is a logo for dark mode)',
  },
  logoDark: {
    label: 'Logo for dark mode',
    hint: 'Shown instead of the logo where the browser prefers a dark colour scheme.',
    absent: 'the logo is shown in dark mode too',
  },
  icon: {
    label: 'Icon',
    hint: 'A small square mark: the browser tab’s icon (favicon) of the login pages and this console.',
    absent: 'the browser’s default icon',
  },
  iconDark: {
    label: 'Icon for dark mode',
    hint: 'The tab’s icon instead of the icon where the browser prefers a dark colour scheme.',
    absent: 'the icon is used in dark mode too',
  },
};

interface LogoView {
  url: string;
  contentType: string;
  size: number;
  inherited: boolean;
}

const actionName = (verb: 'upload' | 'remove', slot: LogoSlot) =>
  `${verb}${slot.charAt(0).toUpperCase()}${slot.slice(1)}`;

/**
 * The logos part of a branding page: each slot's current logo (its own or the instance's), a file input to upload
 * one (a multipart form, so it works without script) and a button to remove its own, each control only where the
 * API route behind it would run. `api` is the branding's API path (`/orgs/{orgId}/branding`, `/instance/branding`).
 */
export async function logosSection(c: Console, api: string, params: Params) {
  const logos = await c.call<Record<LogoSlot, LogoView | null>>(`GET ${api}/logos`, params);
  return Promise.all(
    LOGO_SLOT_NAMES.map(async (slot) => {
      const route = `${api}/${LOGO_FILE_NAMES[slot]}`;
      const logo = logos[slot];
      return {
        slot,
        ...LABELS[slot],
        logo,
        upload: (await c.allows(`PUT ${route}`, params)) ? actionName('upload', slot) : null,
        remove:
          logo && !logo.inherited && (await c.allows(`DELETE ${route}`, params)) ? actionName('remove', slot) : null,
      };
    }),
  );
}

/** What the file input accepts: the types the API takes (it checks the bytes, whatever the browser says). */
export const ACCEPTED_IMAGE_TYPES = IMAGE_TYPES.join(',');

/** The forms' actions: upload (the file field `image`, as the route's body names it) and remove, per slot. */
export function logoActions(api: string, done: (c: Console) => string): Record<string, PageAction> {
  return Object.fromEntries(
    LOGO_SLOT_NAMES.flatMap((slot) => {
      const route = `${api}/${LOGO_FILE_NAMES[slot]}`;
      return [
        [
          actionName('upload', slot),
          {
            route: `PUT ${route}`,
            body: (_form, _c, files) => ({ image: (files.get('image') ?? Buffer.alloc(0)).toString('base64') }),
            done,
          } satisfies PageAction,
        ],
        [actionName('remove', slot), { route: `DELETE ${route}`, done } satisfies PageAction],
      ];
    }),
  );
}
