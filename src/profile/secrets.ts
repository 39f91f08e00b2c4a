/**
 * The WebDAV secrets a profile names but does not hold: read from a file (systemd's
 * `LoadCredential=` puts one under /run/credentials/<unit>/) or from the environment, once,
 * at load. A secret that cannot be had is a profile problem at its field, like any other.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorCode } from '../errors.js';
import { ProfileError } from './profile-error.js';
import type { DefaultedDocument } from './resolve.js';
import type { FieldProblem, ProfileSource } from './yaml-source.js';

/** The secrets read, to be put into the Profile; never logged (SECRET_FIELDS). */
export interface WorkingFolderSecrets {
  readonly password?: string;
  readonly bearerToken?: string;
}

type SecretField = 'passwordFile' | 'passwordEnv' | 'bearerTokenFile' | 'bearerTokenEnv';

const WHAT: Readonly<Record<SecretField, string>> = {
  passwordFile: 'a readable file holding the WebDAV password',
  passwordEnv: 'an environment variable holding the WebDAV password',
  bearerTokenFile: 'a readable file holding the bearer token',
  bearerTokenEnv: 'an environment variable holding the bearer token',
};

export async function readWorkingFolderSecrets(
  source: ProfileSource,
  document: DefaultedDocument,
  sourcePath: string,
  env: NodeJS.ProcessEnv,
): Promise<WorkingFolderSecrets> {
  const settings = document.workingFolder;
  if (settings.adapter !== 'webdav') return {};
  const read = async (field: SecretField): Promise<string | undefined> => {
    const named = settings[field];
    if (named === undefined) return undefined;
    const problem = (found: string): FieldProblem => ({ path: ['workingFolder', field], target: 'value', expected: WHAT[field], found });
    let value: string | undefined;
    if (field.endsWith('Env')) {
      value = env[named];
      if (value === undefined) throw fieldError(source, problem(`${JSON.stringify(named)}, which is not set`));
    } else {
      try {
        value = (await readFile(path.resolve(path.dirname(sourcePath), named), 'utf8')).replace(/\r?\n$/, '');
      } catch (error) {
        throw fieldError(source, problem(`${JSON.stringify(named)} (${errorCode(error)})`));
      }
    }
    if (value === '') throw fieldError(source, problem(`${JSON.stringify(named)}, which is empty`));
    return value;
  };
  const password = (await read('passwordFile')) ?? (await read('passwordEnv'));
  const bearerToken = (await read('bearerTokenFile')) ?? (await read('bearerTokenEnv'));
  return { ...(password === undefined ? {} : { password }), ...(bearerToken === undefined ? {} : { bearerToken }) };
}

function fieldError(source: ProfileSource, problem: FieldProblem): ProfileError {
  return ProfileError.fromIssues('E_PROFILE_INVALID', source.file, [source.issue(problem)]);
}
