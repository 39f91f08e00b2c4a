import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { packageError } from './errors.js';

/** A key as a KeyObject or as PEM text. */
export type KeyInput = KeyObject | string;

/** What a signature is about: a package body, or another kind of file HQ signs with the same key (a published profile). */
export type SignatureDomain = 'async-client-package:1' | 'async-client-profile:1' | 'async-client-profile:2';

const PACKAGE_DOMAIN: SignatureDomain = 'async-client-package:1';

/** What the producer signs: the digest with a domain prefix, so the signature means nothing in another domain. */
export function signedMessage(sha256Hex: string, domain: SignatureDomain = PACKAGE_DOMAIN): Buffer {
  return Buffer.from(`${domain}:sha256:${sha256Hex}`, 'ascii');
}

function ed25519(key: KeyObject, role: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw packageError('E_PACKAGE_SIGNATURE', `the ${role} key is ${key.asymmetricKeyType ?? 'not asymmetric'}, not Ed25519`);
  }
  return key;
}

export function toPrivateKey(key: KeyInput): KeyObject {
  return ed25519(typeof key === 'string' ? createPrivateKey(key) : key, 'signing');
}

export function toPublicKey(key: KeyInput): KeyObject {
  return ed25519(typeof key === 'string' ? createPublicKey(key) : key, 'public');
}

export function signDigest(sha256Hex: string, privateKey: KeyObject, domain: SignatureDomain = PACKAGE_DOMAIN): string {
  return sign(null, signedMessage(sha256Hex, domain), privateKey).toString('base64');
}

export function verifyDigestSignature(
  sha256Hex: string,
  signatureBase64: string,
  publicKey: KeyObject,
  domain: SignatureDomain = PACKAGE_DOMAIN,
): boolean {
  return verify(null, signedMessage(sha256Hex, domain), publicKey, Buffer.from(signatureBase64, 'base64'));
}

/** A new Ed25519 key pair as PEM: PKCS#8 private key, SPKI public key. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
