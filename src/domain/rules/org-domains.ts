/** An org name as a DNS label: the org's generated primary domain is `{slug}.{instance domain}`, as in ZITADEL. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'org'
  );
}
