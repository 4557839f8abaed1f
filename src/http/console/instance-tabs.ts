/** The instance's settings pages (IAM managers), each shown only where the API lets the manager read it. */
const INSTANCE_SECTIONS = [
  { path: '/instance/settings', label: 'Settings', route: 'GET /instance/settings' },
  { path: '/instance/token-lifetimes', label: 'Token lifetimes', route: 'GET /instance/token-lifetimes' },
  { path: '/instance/smtp', label: 'Email (SMTP)', route: 'GET /instance/smtp' },
  { path: '/instance/branding', label: 'Branding', route: 'GET /instance/login-policy' },
  { path: '/instance/idps', label: 'Identity providers', route: 'GET /idps' },
  { path: '/instance/actions', label: 'Actions', route: 'GET /instance/actions' },
  { path: '/instance/flows', label: 'Flows', route: 'GET /instance/flows/{flowType}' },
  { path: '/instance/webhooks', label: 'Webhooks', route: 'GET /instance/webhooks' },
] as const;

/**
 * The instance's sections the manager may read, as tabs; the first is the navigation's "Instance settings". It takes
 * the console's `allows` (kit.ts) rather than the console, as kit.ts builds the navigation with it.
 */
export async function instanceTabs(
  allows: (route: string) => Promise<boolean>,
): Promise<Array<{ href: string; label: string }>> {
  const allowed = await Promise.all(INSTANCE_SECTIONS.map((section) => allows(section.route)));
  return INSTANCE_SECTIONS.filter((_, index) => allowed[index]).map((section) => ({
    href: `/ui/console${section.path}`,
    label: section.label,
  }));
}
