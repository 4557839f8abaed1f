import type { LoginPolicy } from './login-policy.ts';

export interface Branding {
  name: string;
  primaryColor: string;
  backgroundColor: string;
  fontColor: string;
  /** Shown instead of the name (which becomes its alt text); the dark one where the browser prefers dark. */
  logoUrl: string | null;
  logoDarkUrl: string | null;
}

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
 * The colour pairs of the login page (views/layout.njk) whose text is below SC 1.4.3's contrast: white button text on
 * the primary colour, and the header's text colour on the background. A warning, not a refusal: the API stores what
 * an org chose, and ZITADEL does not check either.
 */
export function contrastWarnings(branding: Pick<Branding, 'primaryColor' | 'backgroundColor' | 'fontColor'>): string[] {
  const pairs = [
    ['Button text (white) on the primary colour', '#ffffff', branding.primaryColor],
    ['The text colour on the background', branding.fontColor, branding.backgroundColor],
  ] as const;
  return pairs
    .map(([what, text, background]) => ({ what, ratio: contrastRatio(text, background) }))
    .filter(({ ratio }) => ratio < MINIMUM_TEXT_CONTRAST)
    .map(
      ({ what, ratio }) => `${what}: contrast ${ratio.toFixed(1)}:1, below the ${MINIMUM_TEXT_CONTRAST}:1 of WCAG AA`,
    );
}
