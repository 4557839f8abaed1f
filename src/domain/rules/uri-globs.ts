/**
 * Redirect URIs of applications in development mode are glob patterns, as in ZITADEL (Go's `path.Match`):
 * `*` matches any run of characters other than `/`, `?` one such character; everything else is literal.
 */
export function globMatches(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((char) => (char === '*' ? '[^/]*' : char === '?' ? '[^/]' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(value);
}

/** The patterns the provider can register as client metadata: those that parse as URLs. */
export function registrableUris(patterns: readonly string[], devMode: boolean): string[] {
  return devMode ? patterns.filter((pattern) => URL.canParse(pattern)) : [...patterns];
}
