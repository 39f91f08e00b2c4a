import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AsyncClientError, errorMessage } from '../../errors.js';
import { signatureFileOf, signPublishedFile } from '../../profile/hq/signature.js';
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
 * pair once and takes it at its next look.
 */
export async function writeSigned(folder: WorkingFolder, file: string, bytes: Buffer, privateKeyPem: string | undefined): Promise<void> {
  const signature = privateKeyPem === undefined ? undefined : signPublishedFile(file, bytes, privateKeyPem);
  await folder.ensureDir(path.posix.dirname(file));
  await folder.writeAtomic(file, bytes);
  if (signature === undefined) await folder.remove(signatureFileOf(file));
  else await folder.writeAtomic(signatureFileOf(file), Buffer.from(signature, 'utf8'));
}
