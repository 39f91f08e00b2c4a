/**
 * Reads a profile file into the Profile the daemon uses, or throws a ProfileError whose lines
 * say file:line:col, the field, what was expected and what was found. It checks the file
 * only; whether the folders and database it names are usable is the daemon's preflight.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { errorCode, errorMessage } from '../errors.js';
import type { Profile } from './profile.js';
import { ProfileError } from './profile-error.js';
import { resolveProfile, type DefaultedDocument } from './resolve.js';
import { ProfileSchema, expectationOf } from './schema.js';
import { schemaProblems } from './schema-problems.js';
import { semanticProblems } from './semantic-problems.js';
import { readWorkingFolderSecrets } from './secrets.js';
import { ProfileSource, type FieldProblem } from './yaml-source.js';

export interface LoadProfileOptions {
  /** Folder a relative `file` is resolved against; default: the process's working folder. */
  readonly cwd?: string;
  /** Where `*Env` secrets are looked up; default: the process's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/** `file` appears in error lines as given; the Profile's `sourcePath` is absolute. */
export async function loadProfile(file: string, options: LoadProfileOptions = {}): Promise<Profile> {
  const sourcePath = path.resolve(options.cwd ?? process.cwd(), file);
  const source = ProfileSource.parse(file, await readProfileText(file, sourcePath));
  if (source.value === null || source.value === undefined) {
    throw ProfileError.fromIssues('E_PROFILE_INVALID', file, [
      { file, line: 1, column: 1, field: '', expected: expectationOf(ProfileSchema), found: 'an empty file' },
    ]);
  }
  const defaulted: unknown = Value.Default(ProfileSchema, Value.Clone(source.value));
  throwIfAny(source, schemaProblems(defaulted));
  // The schema accepted it and filled every default, so it has the DefaultedDocument shape.
  const document = defaulted as DefaultedDocument;
  throwIfAny(source, semanticProblems(document));
  return resolveProfile(document, sourcePath, await readWorkingFolderSecrets(source, document, sourcePath, options.env ?? process.env));
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

function throwIfAny(source: ProfileSource, problems: readonly FieldProblem[]): void {
  if (problems.length === 0) return;
  const issues = problems.map((problem) => source.issue(problem)).sort((a, b) => a.line - b.line || a.column - b.column);
  throw ProfileError.fromIssues('E_PROFILE_INVALID', source.file, issues);
}
