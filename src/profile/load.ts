/**
 * Reads a profile file into the Profile the daemon uses, or throws a ProfileError whose lines
 * say file:line:col, the field, what was expected and what was found. It checks the file
 * only; whether the folders and database it names are usable is the daemon's preflight.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorCode, errorMessage } from '../errors.js';
import type { Profile } from './profile.js';
import { checkedDocument, composeProfile, throwIfAny, type LocalProfileLayer } from './compose.js';
import { ProfileError, type ProfileIssue } from './profile-error.js';
import { expectationOf } from './schema-kit.js';
import { ProfileSchema } from './schema.js';
import { readProfileSecrets } from './secrets.js';
import { storeOverrideProblems } from './store-overrides.js';
import { ProfileSource, type FieldProblem } from './yaml-source.js';

export interface LoadProfileOptions {
  /** Folder a relative `file` is resolved against; default: the process's working folder. */
  readonly cwd?: string;
  /** Where `*Env` secrets are looked up; default: the process's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/** `file` appears in error lines as given; the Profile's `sourcePath` is absolute. */
export async function loadProfile(file: string, options: LoadProfileOptions = {}): Promise<Profile> {
  return composeProfile(await readLocalProfile(file, options)).profile;
}

/** Reads and checks the store's own file on its own: the layer a profile HQ publishes is laid over (compose.ts). */
export async function readLocalProfile(file: string, options: LoadProfileOptions = {}): Promise<LocalProfileLayer> {
  const sourcePath = path.resolve(options.cwd ?? process.cwd(), file);
  const text = await readProfileText(file, sourcePath);
  const source = ProfileSource.parse(file, text);
  if (source.value === null || source.value === undefined) {
    throw ProfileError.fromIssues('E_PROFILE_INVALID', file, [
      { file, line: 1, column: 1, field: '', expected: expectationOf(ProfileSchema), found: 'an empty file' },
    ]);
  }
  const locate = (problem: FieldProblem): ProfileIssue => source.issue(problem);
  const document = checkedDocument(source.value, file, locate);
  // The schema accepted a map, so the written value is one.
  const written = source.value as Readonly<Record<string, unknown>>;
  throwIfAny(file, locate, storeOverrideProblems(written, document.storeOverrides));
  const secrets = await readProfileSecrets(source, document, sourcePath, options.env ?? process.env);
  return { source, written, text, sourcePath, overrides: document.storeOverrides, secrets };
}

async function readProfileText(file: string, sourcePath: string): Promise<string> {
  try {
    return await readFile(sourcePath, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ProfileError(
        'E_PROFILE_NOT_FOUND',
        `${file}: no such profile file; pass the path of an existing profile (--profile PATH or ASYNC_CLIENT_PROFILE)`,
        [],
        file,
        { cause: error },
      );
    }
    if (code === 'EISDIR') {
      throw new ProfileError(
        'E_PROFILE_NOT_A_FILE',
        `${file}: is a folder, not a profile file; pass the path of the YAML file itself`,
        [],
        file,
        { cause: error },
      );
    }
    throw new ProfileError(
      'E_PROFILE_UNREADABLE',
      `${file}: cannot read the profile file (${errorMessage(error)}); let the daemon's user read it`,
      [],
      file,
      { cause: error },
    );
  }
}
