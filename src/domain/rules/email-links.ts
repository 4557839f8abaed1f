/**
 * The links emails carry, in one place: the login UI serves these pages (the pages themselves are the login UI's,
 * issue 16). Built from the instance's issuer (its public URL), never from a request's Host header.
 */
export type LinkPurpose = 'emailVerification' | 'passwordReset' | 'invitation';

export const EMAIL_LINK_PATHS: Record<LinkPurpose, string> = {
  emailVerification: '/ui/login/email/verify',
  passwordReset: '/ui/login/password/reset',
  invitation: '/ui/login/invite',
};

export function emailLink(issuer: string, purpose: LinkPurpose, userId: string, code: string): string {
  const url = new URL(`${issuer.replace(/\/$/, '')}${EMAIL_LINK_PATHS[purpose]}`);
  url.searchParams.set('userId', userId);
  url.searchParams.set('code', code);
  return url.toString();
}

/** The user and code a link carries (for the page it leads to), or null when it is not one of these links. */
export function parseEmailLink(
  issuer: string,
  link: string,
): { purpose: LinkPurpose; userId: string; code: string } | null {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  const base = new URL(issuer);
  const path = url.pathname.slice(base.pathname.replace(/\/$/, '').length);
  const purpose = (Object.keys(EMAIL_LINK_PATHS) as LinkPurpose[]).find((key) => EMAIL_LINK_PATHS[key] === path);
  const userId = url.searchParams.get('userId');
  const code = url.searchParams.get('code');
  if (url.origin !== base.origin || !purpose || !userId || !code) return null;
  return { purpose, userId, code };
}
