/**
 * Detached Ed25519 signatures of the files HQ publishes under `profiles/`, by the key stores
 * already pin for packages (`download.publicKey`). A signature covers the file's path, its
 * bytes and its revision, so a signed file copied under another name does not verify, and an
 * older signed copy put back is refused (signed-revisions.ts).
 *
 * The signature file is `<file>.sig`: the base64 signature, a newline, `revision <n>` and a
 * newline. A signature alone on its line, as builds before revisions wrote it, verifies as
 * revision 0.
 */
import { createHash } from 'node:crypto';
import { AsyncClientError } from '../../errors.js';
import { signDigest, toPrivateKey, toPublicKey, verifyDigestSignature, type SignatureDomain } from '../../package/signature.js';

/** Signs path, revision and bytes. */
const DOMAIN: SignatureDomain = 'async-client-profile:2';
/** Signed path and bytes, without a revision. */
const UNREVISED_DOMAIN: SignatureDomain = 'async-client-profile:1';
const BASE64_SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const REVISION_LINE = /^revision (\d{1,15})$/;

export function signatureFileOf(file: string): string {
  return `${file}.sig`;
}

/** The content of `<file>.sig` for `bytes` published as `file` (a working-folder path such as `profiles/pilot.yaml`). */
export function signPublishedFile(file: string, bytes: Uint8Array, privateKeyPem: string, revision: number): string {
  const revisionLine = `revision ${revision}`;
  // Only what a store reads back: a whole number of at most 15 digits.
  if (!REVISION_LINE.test(revisionLine)) throw new RangeError(`a revision is a whole number of at most 15 digits, not ${revision}`);
  return `${signDigest(digestOf(file, bytes, revision), toPrivateKey(privateKeyPem), DOMAIN)}\n${revisionLine}\n`;
}

/**
 * Throws unless `signatureText` is HQ's signature of `bytes` as `file`; returns the revision it
 * signs. With no pinned key (`publicKeyPem` undefined) every file is taken, signed or not, and
 * its revision is 0: one nobody checked is nobody's word.
 */
export function checkPublishedSignature(
  file: string,
  bytes: Uint8Array,
  signatureText: string | undefined,
  publicKeyPem: string | undefined,
): number {
  if (publicKeyPem === undefined) return 0;
  const signatureFile = signatureFileOf(file);
  if (signatureText === undefined) {
    throw new AsyncClientError(
      'E_HQ_PROFILE_UNSIGNED',
      `${file} has no signature (${signatureFile}) and this store takes only what HQ signed (download.publicKey); publish it with --sign-key`,
      { file },
    );
  }
  const parsed = parseSignatureFile(signatureText);
  const verified =
    parsed !== undefined &&
    verifyDigestSignature(
      digestOf(file, bytes, parsed.revision),
      parsed.signature,
      toPublicKey(publicKeyPem),
      parsed.revision === undefined ? UNREVISED_DOMAIN : DOMAIN,
    );
  if (!verified) {
    throw new AsyncClientError(
      'E_HQ_PROFILE_SIGNATURE',
      `${signatureFile} does not verify ${file} with HQ's key (download.publicKey): signed by another key, or the file changed after signing (cut short?); publish it again with HQ's key`,
      { file },
    );
  }
  return parsed.revision ?? 0;
}

/** `<base64>` and, from builds that sign revisions, `revision <n>` on the next line; undefined for anything else. */
function parseSignatureFile(text: string): { readonly signature: string; readonly revision: number | undefined } | undefined {
  const [signature = '', revisionLine, ...more] = text.trim().split(/\r?\n/);
  if (!BASE64_SIGNATURE.test(signature) || more.length > 0) return undefined;
  if (revisionLine === undefined) return { signature, revision: undefined };
  const revision = REVISION_LINE.exec(revisionLine)?.[1];
  return revision === undefined ? undefined : { signature, revision: Number(revision) };
}

function digestOf(file: string, bytes: Uint8Array, revision: number | undefined): string {
  const hash = createHash('sha256').update(file).update('\0');
  if (revision !== undefined) hash.update(`${revision}\0`);
  return hash.update(bytes).digest('hex');
}
