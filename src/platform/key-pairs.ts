import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

/** ZITADEL's machine and application keys: RSA with a 2048-bit modulus (its default `MachineKeySize`). */
export const GENERATED_RSA_MODULUS_BITS = 2048;

export interface GeneratedKeyPair {
  /**
   * PKCS#1 PEM ("RSA PRIVATE KEY"), as ZITADEL writes it into key files: its Go SDKs read only PKCS#1
   * (x509.ParsePKCS1PrivateKey), the JavaScript and Python ones read both forms.
   */
  privateKeyPem: string;
  /** The public half as a JWK (kty, n, e): what is stored. */
  publicJwk: { kty: 'RSA'; n: string; e: string };
}

/** A fresh RSA key pair for a key file; the caller hands out the private half once and keeps only the public one. */
export async function generateRsaKeyPair(): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await generate('rsa', { modulusLength: GENERATED_RSA_MODULUS_BITS });
  const { n, e } = publicKey.export({ format: 'jwk' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicJwk: { kty: 'RSA', n: n ?? '', e: e ?? '' },
  };
}
