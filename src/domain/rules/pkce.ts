/**
 * Whether an OIDC application's authorization requests must use PKCE (RFC 7636; S256 only, oidc/configuration.ts).
 * Public clients must: they have no secret, so PKCE is what binds the code to the app instance that asked for it
 * (RFC 9700 §2.1.1, ZITADEL and node-oidc-provider's default). Confidential clients may omit it, protected by their
 * client authentication and the nonce, unless the app (`requirePkce`) or the instance
 * (`settings.oidc.requirePkceForAllClients`) asks for RFC 9700's stricter recommendation: PKCE for every client.
 */
export function pkceRequired(
  app: { authMethod: string; appType: string; requirePkce: boolean },
  instance: { requirePkceForAllClients: boolean },
): boolean {
  const publicClient = app.authMethod === 'none' || app.appType === 'native' || app.appType === 'user_agent';
  return publicClient || app.requirePkce || instance.requirePkceForAllClients;
}
