/**
 * Detached Ed25519 signatures of the files HQ publishes under `profiles/`, by the key stores
 * already pin for packages (`download.publicKey`). A signature covers the file's path and
 * its bytes, so a signed file copied under another name does not verify.
 * The signature file is `<file>.sig`: the base64 signature and a newline.
 */
import { createHash } from 'node:crypto';
import { AsyncClientError } from '../../errors.js';
import { signDigest, toPrivateKey, toPublicKey, verifyDigestSignature, type SignatureDomain } from '../../package/signature.js';

const DOMAIN: SignatureDomain = 'async-client-profile:1';
const SIGNATURE_TEXT = /^[A-Za-z0-9+/]{86}==$/;

export function signatureFileOf(file: string): string {
  return `${file}.sig`;
}

/** The content of `<file>.sig` for `bytes` published as `file` (a working-folder path such as `profiles/pilot.yaml`). */
export function signPublishedFile(file: string, bytes: Uint8Array, privateKeyPem: string): string {
  return `${signDigest(digestOf(file, bytes), toPrivateKey(privateKeyPem), DOMAIN)}\n`;
}

/**
 * Throws unless `signatureText` is HQ's signature of `bytes` as `file`. With no pinned key
 * (`publicKeyPem` undefined) every file is taken, signed or not.
 */
export function checkPublishedSignature(
  file: string,
  bytes: Uint8Array,
  signatureText: string | undefined,
  publicKeyPem: string | undefined,
): void {
  if (publicKeyPem === undefined) return;
  const signatureFile = signatureFileOf(file);
  if (signatureText === undefined) {
    throw new AsyncClientError(
      'E_HQ_PROFILE_UNSIGNED',
      `${file} has no signature (${signatureFile}) and this store takes only what HQ signed (download.publicKey); publish it with --sign-key`,
      { file },
    );
  }
  const signature = signatureText.trim();
  if (!SIGNATURE_TEXT.test(signature) || !verifyDigestSignature(digestOf(file, bytes), signature, toPublicKey(publicKeyPem), DOMAIN)) {
    throw new AsyncClientError(
      'E_HQ_PROFILE_SIGNATURE',
      `${signatureFile} does not verify ${file} with HQ's key (download.publicKey): signed by another key, or the file changed after signing (cut short?); publish it again with HQ's key`,
      { file },
    );
  }
}

function digestOf(file: string, bytes: Uint8Array): string {
  return createHash('sha256').update(file).update('\0').update(bytes).digest('hex');
}
