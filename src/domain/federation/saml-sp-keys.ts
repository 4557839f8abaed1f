// @peculiar/x509 resolves its parts through tsyringe, which needs a Reflect metadata polyfill loaded first (its
// README, "Reflect Polyfill Required"); @simplewebauthn/server loads the same one the same way.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// Node's global Web Crypto (https://nodejs.org/api/webcrypto.html), typed by the DOM library @peculiar/x509 expects.

/** RSA with SHA-256: what XML-DSig rsa-sha256 (RFC 6931 §2.3.2) signs with, and what every SAML IdP verifies. */
const SIGNING_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

/**
 * A SAML IdP trusts the service provider's certificate for what it carries, the public key (SAML metadata §2.4.1.1):
 * the certificate is self-signed, and valid for ten years so that the SP does not stop working when it expires.
 */
const VALIDITY_YEARS = 10;

function toPem(der: ArrayBuffer, label: string): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A new RSA signing key pair with its self-signed certificate: a SAML service provider's (one per IdP configuration)
 * or, in the tests, the SAML IdP's.
 */
export async function generateSigningCertificate(
  commonName: string,
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const keys = await globalThis.crypto.subtle.generateKey(SIGNING_ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date();
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      // A leading 01 keeps the serial positive (RFC 5280 §4.1.2.2).
      serialNumber: `01${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(15))).toString('hex')}`,
      name: new x509.Name([{ CN: [commonName] }]),
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    globalThis.crypto,
  );
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: toPem(await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
  };
}
