/**
 * Where HQ publishes profiles in the working folder (docs/working-folder.md, Profiles), and
 * how a store reads them: size-capped, as the exact bytes that were signed.
 */
import { AsyncClientError } from '../../errors.js';
import { readCappedFile } from '../../workfolder/capped-read.js';
import type { WorkingFolder } from '../../workfolder/working-folder.js';

export const PROFILES_FOLDER = 'profiles';
export const ASSIGNMENTS_FILE = `${PROFILES_FOLDER}/assignments.yaml`;

/** A published profile or assignments file is a few lines; anything this large is not one. */
export const PUBLISHED_FILE_LIMIT_BYTES = 256 * 1024;

export function publishedProfileFile(name: string): string {
  return `${PROFILES_FOLDER}/${name}.yaml`;
}

/** The whole file, or E_HQ_PROFILE_TOO_LARGE past the limit; folder errors pass through. */
export function readPublishedFile(folder: WorkingFolder, file: string): Promise<Buffer> {
  return readCappedFile(
    folder,
    file,
    PUBLISHED_FILE_LIMIT_BYTES,
    () =>
      new AsyncClientError(
        'E_HQ_PROFILE_TOO_LARGE',
        `${file} is larger than ${PUBLISHED_FILE_LIMIT_BYTES} bytes, which no profile is; HQ should publish it again`,
        { file },
      ),
  );
}
