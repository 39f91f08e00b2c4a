import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError, errorMessage } from '../../errors.js';
import { readPublishedFile } from '../../profile/hq/published-files.js';
import { checkPublishedSignature, signatureFileOf, signPublishedFile } from '../../profile/hq/signature.js';
import type { WorkingFolder } from '../../workfolder/working-folder.js';
import type { CliIo } from '../command.js';
import { UsageError } from '../package/usage.js';

export const SIGNING_OPTIONS = { 'sign-key': { type: 'string' }, unsigned: { type: 'boolean', default: false } } as const;

export const SIGNING_OPTIONS_HELP = `  --sign-key PEM              HQ's Ed25519 private key (package keygen), the pair of the public key the
                             stores pin in download.publicKey; writes FILE.sig beside the file.
  --unsigned                  Write no signature, for stores that pin no key (stores that pin one refuse it).`;

/** The signing key's PEM, or undefined with --unsigned; one of the two is required. */
export async function signingKeyOption(values: { 'sign-key'?: string; unsigned?: boolean }, io: CliIo): Promise<string | undefined> {
  const keyFile = values['sign-key'];
  if (keyFile !== undefined && values.unsigned === true) throw new UsageError('--sign-key and --unsigned exclude each other');
  if (keyFile === undefined) {
    if (values.unsigned === true) return undefined;
    throw new UsageError('--sign-key PEM is required (or --unsigned, for stores that pin no key)');
  }
  const file = path.resolve(io.cwd, keyFile);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new AsyncClientError('E_SIGN_KEY', `cannot read the signing key ${file}: ${errorMessage(error)}`, { file }, { cause: error });
  }
}

/**
 * Writes `bytes` as `file` in the folder, then its signature as `file.sig` (or removes a stale
 * one when unsigned), each atomically. A store that looks between the two writes refuses the
 * pair once and takes it at its next look. Returns the revision signed, undefined when unsigned.
 *
 * The revision is the time in milliseconds, or one more than the revision HQ signed the file in
 * the folder with when that is higher (a clock set back): every publication of a file is newer
 * than the last, so a store that took one refuses an older copy put back.
 */
export async function writeSigned(
  folder: WorkingFolder,
  file: string,
  bytes: Buffer,
  privateKeyPem: string | undefined,
): Promise<number | undefined> {
  const signatureFile = signatureFileOf(file);
  let signed: { readonly revision: number; readonly text: string } | undefined;
  if (privateKeyPem !== undefined) {
    const revision = Math.max(Date.now(), (await revisionInFolder(folder, file, privateKeyPem)) + 1);
    signed = { revision, text: signPublishedFile(file, bytes, privateKeyPem, revision) };
  }
  await folder.ensureDir(path.posix.dirname(file));
  await folder.writeAtomic(file, bytes);
  if (signed === undefined) await folder.remove(signatureFile);
  else await folder.writeAtomic(signatureFile, Buffer.from(signed.text, 'utf8'));
  return signed?.revision;
}

/**
 * The revision this key signed `file` with in the folder; 0 when the file or its signature is
 * missing, unreadable, or not this key's: a number anyone could have written is no floor, and a
 * huge one would leave no revision to sign with.
 */
async function revisionInFolder(folder: WorkingFolder, file: string, privateKeyPem: string): Promise<number> {
  const signatureFile = signatureFileOf(file);
  try {
    if ((await folder.stat(file)) === undefined || (await folder.stat(signatureFile)) === undefined) return 0;
    const [bytes, signature] = await Promise.all([readPublishedFile(folder, file), readPublishedFile(folder, signatureFile)]);
    const publicKeyPem = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    return checkPublishedSignature(file, bytes, signature.toString('utf8'), publicKeyPem);
  } catch {
    // The writes that follow meet a folder that fails; anything else only means no floor.
    return 0;
  }
}

/** How a command's line says what it signed: ` and FILE.sig (revision N)`, or ` (unsigned)` (with `unsignedAs`: ` (unsigned, UNSIGNED_AS)`). */
export function signedAs(file: string, revision: number | undefined, unsignedAs?: string): string {
  if (revision !== undefined) return ` and ${signatureFileOf(file)} (revision ${revision})`;
  return unsignedAs === undefined ? ' (unsigned)' : ` (unsigned, ${unsignedAs})`;
}
