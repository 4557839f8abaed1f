import * as client from 'openid-client';

/**
 * Adds an RFC 7636 S256 code challenge to an authorization request to an upstream, keeping the verifier for the
 * token request (`keep` travels with the login's federation state).
 */
export async function addPkceChallenge(parameters: Record<string, string>, keep: Record<string, string>) {
  keep.codeVerifier = client.randomPKCECodeVerifier();
  parameters.code_challenge = await client.calculatePKCECodeChallenge(keep.codeVerifier);
  parameters.code_challenge_method = 'S256';
}
