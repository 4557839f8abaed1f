import type { BRANDING_COLORS } from '../../store/models/login-policy.ts';
import type { LoginPolicy } from './login-policy.ts';

/**
 * What a page wears: the name (shown where there is no logo, and the logos' alt text), the colours of both schemes,
 * and the logos and icons' URLs (the dark ones where the browser prefers dark).
 */
export type Branding = Omit<LoginPolicy['branding'], 'displayName'> & { name: string };

/** The branding a page shows: the policy's display name, else the name of the org (or instance) it belongs to. */
export function brandingFrom(policy: LoginPolicy, fallbackName: string): Branding {
  const { displayName, ...shown } = policy.branding;
  return { name: displayName ?? fallbackName, ...shown };
}

/** WCAG 2.2 relative luminance of a #rrggbb colour (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance). */
function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2.2 contrast ratio of two #rrggbb colours, 1 to 21 (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio). */
export function contrastRatio(first: string, second: string): number {
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Minimum contrast of normal text, WCAG 2.2 SC 1.4.3 (AA). */
export const MINIMUM_TEXT_CONTRAST = 4.5;

/**
 * The card the pages' content sits on, in each scheme (views/branding-style.njk `--surface`): the warn colour is the
 * error text on it.
 */
export const CARD_SURFACE = { light: '#ffffff', dark: '#1e1e24' } as const;

type BrandingColors = Pick<Branding, (typeof BRANDING_COLORS)[number]>;

/**
 * The colour pairs of the pages (views/branding-style.njk) whose text is below SC 1.4.3's contrast, in either scheme:
 * white button text on the primary colour, the header's text colour on the background, and error text (the warn
 * colour) on the card. A warning, not a refusal: the API stores what an org chose, and ZITADEL does not check either.
 */
export function contrastWarnings(branding: BrandingColors): string[] {
  const schemes = [
    { scheme: 'light', primary: 'primaryColor', background: 'backgroundColor', warn: 'warnColor', font: 'fontColor' },
    {
      scheme: 'dark',
      primary: 'primaryColorDark',
      background: 'backgroundColorDark',
      warn: 'warnColorDark',
      font: 'fontColorDark',
    },
  ] as const;
  const pairs: Array<[string, string, string]> = schemes.flatMap(({ scheme, primary, background, warn, font }) => [
    [`Button text (white) on the primary colour (${scheme})`, '#ffffff', branding[primary]],
    [`The text colour on the background (${scheme})`, branding[font], branding[background]],
    [`Error text (the warn colour) on the page’s card (${scheme})`, branding[warn], CARD_SURFACE[scheme]],
  ]);
  return pairs
    .map(([what, text, background]) => ({ what, ratio: contrastRatio(text, background) }))
    .filter(({ ratio }) => ratio < MINIMUM_TEXT_CONTRAST)
    .map(
      ({ what, ratio }) => `${what}: contrast ${ratio.toFixed(1)}:1, below the ${MINIMUM_TEXT_CONTRAST}:1 of WCAG AA`,
    );
}
