/**
 * The secrets a profile names but does not hold (the WebDAV password or token, the PostgreSQL
 * channel database's password): read from a file (systemd's
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

export interface ProfileSecrets extends WorkingFolderSecrets {
  readonly databasePassword?: string;
}

type SecretField = 'passwordFile' | 'passwordEnv' | 'bearerTokenFile' | 'bearerTokenEnv';

const WHAT: Readonly<Record<SecretField, string>> = {
  passwordFile: 'a readable file holding the WebDAV password',
  passwordEnv: 'an environment variable holding the WebDAV password',
  bearerTokenFile: 'a readable file holding the bearer token',
  bearerTokenEnv: 'an environment variable holding the bearer token',
};

/** The working folder's and the channel database's secrets. */
export async function readProfileSecrets(
  source: ProfileSource,
  document: DefaultedDocument,
  sourcePath: string,
  env: NodeJS.ProcessEnv,
): Promise<ProfileSecrets> {
  const database = document.channel.database;
  if (typeof database !== 'object') return readWorkingFolderSecrets(source, document, sourcePath, env);
  const read = secretReader(source, sourcePath, env, ['channel', 'database'], database, 'the channel database password');
  const databasePassword = (await read('passwordFile')) ?? (await read('passwordEnv'));
  return {
    ...(await readWorkingFolderSecrets(source, document, sourcePath, env)),
    ...(databasePassword === undefined ? {} : { databasePassword }),
  };
}

async function readWorkingFolderSecrets(
  source: ProfileSource,
  document: DefaultedDocument,
  sourcePath: string,
  env: NodeJS.ProcessEnv,
): Promise<WorkingFolderSecrets> {
  const settings = document.workingFolder;
  if (settings.adapter !== 'webdav') return {};
  const read = secretReader(source, sourcePath, env, ['workingFolder'], settings, '');
  const password = (await read('passwordFile')) ?? (await read('passwordEnv'));
  const bearerToken = (await read('bearerTokenFile')) ?? (await read('bearerTokenEnv'));
  return { ...(password === undefined ? {} : { password }), ...(bearerToken === undefined ? {} : { bearerToken }) };
}

/** Reads the secret a field names (a file, or an environment variable for `...Env`); a problem at that field otherwise. */
function secretReader(
  source: ProfileSource,
  sourcePath: string,
  env: NodeJS.ProcessEnv,
  at: readonly string[],
  settings: Partial<Record<SecretField, string>>,
  secret: string,
): (field: SecretField) => Promise<string | undefined> {
  return async (field) => {
    const named = settings[field];
    if (named === undefined) return undefined;
    const expected = secret === '' ? WHAT[field] : WHAT[field].replace('the WebDAV password', secret);
    const problem = (found: string): FieldProblem => ({ path: [...at, field], target: 'value', expected, found });
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
}

function fieldError(source: ProfileSource, problem: FieldProblem): ProfileError {
  return ProfileError.fromIssues('E_PROFILE_INVALID', source.file, [source.issue(problem)]);
}
