/** HQ's public key, as `download.publicKey` names it: packages and HQ's profiles are checked against it. */
import { readFile } from 'node:fs/promises';
import { AsyncClientError } from '../errors.js';

export async function readPublicKey(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new AsyncClientError(
      'E_PUBLIC_KEY',
      `cannot read HQ's public key ${file} named by download.publicKey: ${(error as Error).message}; fix the path or the file's permissions`,
      { file },
      { cause: error },
    );
  }
}
