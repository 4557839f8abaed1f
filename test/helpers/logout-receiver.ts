// A relying party's back-channel logout endpoint, as a plain node:http server on loopback: it records every POST
// (OpenID Connect Back-Channel Logout 1.0 §2.5) and answers 200, except under /slow, where it never answers.
// `verify` checks a logout token the way an RP must (§2.6), against the issuer's JWKS.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface Delivery {
  path: string;
  contentType: string;
  logoutToken: string | null;
}

export interface LogoutReceiver {
  /** `http://127.0.0.1:port` */
  origin: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      if (request.method !== 'POST') return void response.writeHead(405).end();
      deliveries.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        logoutToken: new URLSearchParams(body).get('logout_token'),
      });
      if (!request.url?.startsWith('/slow')) response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** §2.6: signed by the issuer's key, `typ` logout+jwt, for the client, with the logout event and no nonce. */
export async function verifyLogoutToken(baseUrl: string, token: string, clientId: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${baseUrl}/oauth/v2/keys`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: baseUrl,
    audience: clientId,
    typ: 'logout+jwt',
    requiredClaims: ['iat', 'exp', 'jti', 'events'],
  });
  if (!(BACKCHANNEL_LOGOUT_EVENT in (payload.events as object))) throw new Error('no back-channel logout event');
  if ('nonce' in payload) throw new Error('a logout token must not carry a nonce');
  return payload;
}
