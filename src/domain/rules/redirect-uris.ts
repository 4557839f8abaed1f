const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'file', 'vbscript', 'blob']);

/**
 * What is wrong with an app's redirect URIs, as sentences. ZITADEL's rules: web and user-agent apps
 * need https; native apps may use http only on loopback, or a custom scheme; development mode
 * accepts any absolute URI (and the provider then matches them as patterns). Fragments never.
 */
export function redirectUriProblems(uris: readonly string[], appType: string, devMode: boolean): string[] {
  const problems: string[] = [];
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      problems.push(`${uri} is not an absolute URI`);
      continue;
    }
    const scheme = url.protocol.slice(0, -1);
    if (FORBIDDEN_SCHEMES.has(scheme)) problems.push(`${uri}: the ${scheme} scheme is not allowed`);
    if (url.hash) problems.push(`${uri} must not contain a fragment`);
    if (devMode || FORBIDDEN_SCHEMES.has(scheme)) continue;
    if (scheme === 'https') continue;
    if (appType === 'native' && (scheme !== 'http' || LOOPBACK_HOSTS.has(url.hostname))) continue;
    problems.push(
      appType === 'native'
        ? `${uri}: native apps may use http only on a loopback host`
        : `${uri} must use https (or enable devMode)`,
    );
  }
  return problems;
}

/**
 * What is wrong with a back-channel logout URI (OpenID Connect Back-Channel Logout 1.0 §2.2): the provider posts to
 * it from the server, so it is an http(s) URL whatever the app type, without a fragment, and https unless devMode
 * (the redirect URI rules of a web app).
 */
export function backChannelLogoutUriProblems(uri: string, devMode: boolean): string[] {
  const problems = redirectUriProblems([uri], 'web', devMode);
  if (!problems.length && !/^https?:$/.test(new URL(uri).protocol)) problems.push(`${uri} must be an http(s) URL`);
  return problems;
}
