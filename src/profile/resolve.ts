/**
 * From the document the schema accepted (defaults applied) to the Profile the daemon uses:
 * every path absolute, resolved against the profile file's folder.
 */
import path from 'node:path';
import type { ProfileSecrets, WorkingFolderSecrets } from './secrets.js';
import type {
  ChannelSettings,
  LocalWorkingFolderSettings,
  PostgresDatabaseSettings,
  Profile,
  WebDavWorkingFolderSettings,
  WorkingFolderSettings,
} from './profile.js';

/** The channel database's file name under the state directory when `channel.database` is absent. */
const DEFAULT_DATABASE_FILE = 'channel.sqlite';

/**
 * The YAML document once the schema accepted it and filled its defaults: the Profile's shape,
 * before paths are resolved and the password file is read.
 */
export type DefaultedDocument = Omit<Profile, 'sourcePath' | 'channel' | 'workingFolder'> & {
  readonly channel: Omit<ChannelSettings, 'database'> & { readonly database?: string | PostgresDatabaseDocument };
  readonly workingFolder: LocalWorkingFolderSettings | (WebDavWorkingFolderSettings & SecretSources);
  /** Read when composing with HQ's profile (compose.ts); the running profile has no use for it. */
  readonly storeOverrides: readonly string[];
};

/** The PostgreSQL settings as written: the password named, not read yet. */
export type PostgresDatabaseDocument = Omit<PostgresDatabaseSettings, 'password'> & {
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
};

/** Where the WebDAV secrets come from (secrets.ts reads them); the Profile holds what was read. */
interface SecretSources {
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
  readonly bearerTokenFile?: string;
  readonly bearerTokenEnv?: string;
}

/** `secrets` are the WebDAV secrets read from their files or variables. */
export function resolveProfile(document: DefaultedDocument, sourcePath: string, secrets: ProfileSecrets = {}): Profile {
  const folder = path.dirname(sourcePath);
  const absolute = (file: string): string => path.resolve(folder, file);
  const stateDirectory = absolute(document.stateDirectory);
  const { publicKey, ...download } = document.download;
  const { storeOverrides: _composedAlready, ...settings } = document;
  const { databasePassword, ...folderSecrets } = secrets;
  return {
    ...settings,
    sourcePath,
    channel: { id: document.channel.id, database: database(document.channel.database, absolute, stateDirectory, databasePassword) },
    workingFolder: workingFolder(document.workingFolder, absolute, folderSecrets),
    stateDirectory,
    download: publicKey === undefined ? download : { ...download, publicKey: absolute(publicKey) },
  };
}

function database(
  settings: DefaultedDocument['channel']['database'],
  absolute: (file: string) => string,
  stateDirectory: string,
  password: string | undefined,
): ChannelSettings['database'] {
  if (settings === undefined) return absolute(path.join(stateDirectory, DEFAULT_DATABASE_FILE));
  if (typeof settings === 'string') return absolute(settings);
  const { passwordFile: _file, passwordEnv: _env, caFile, ...postgres } = settings;
  return { ...postgres, ...(password === undefined ? {} : { password }), ...(caFile === undefined ? {} : { caFile: absolute(caFile) }) };
}

function workingFolder(
  settings: DefaultedDocument['workingFolder'],
  absolute: (file: string) => string,
  secrets: WorkingFolderSecrets,
): WorkingFolderSettings {
  if (settings.adapter === 'local') return { ...settings, path: absolute(settings.path) };
  const { passwordFile: _file, passwordEnv: _env, bearerTokenFile: _tokenFile, bearerTokenEnv: _tokenEnv, tls, ...webdav } = settings;
  const files = tls === undefined ? undefined : Object.fromEntries(Object.entries(tls).map(([field, file]) => [field, absolute(file)]));
  return { ...webdav, ...secrets, ...(files === undefined ? {} : { tls: files }) };
}
