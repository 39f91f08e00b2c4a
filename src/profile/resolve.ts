/**
 * From the document the schema accepted (defaults applied) to the Profile the daemon uses:
 * every path absolute, resolved against the profile file's folder.
 */
import path from 'node:path';
import type { WorkingFolderSecrets } from './secrets.js';
import type {
  ChannelSettings,
  LocalWorkingFolderSettings,
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
  readonly channel: Omit<ChannelSettings, 'database'> & { readonly database?: string };
  readonly workingFolder: LocalWorkingFolderSettings | (WebDavWorkingFolderSettings & SecretSources);
  /** Read when composing with HQ's profile (compose.ts); the running profile has no use for it. */
  readonly storeOverrides: readonly string[];
};

/** Where the WebDAV secrets come from (secrets.ts reads them); the Profile holds what was read. */
interface SecretSources {
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
  readonly bearerTokenFile?: string;
  readonly bearerTokenEnv?: string;
}

/** `secrets` are the WebDAV secrets read from their files or variables. */
export function resolveProfile(document: DefaultedDocument, sourcePath: string, secrets: WorkingFolderSecrets = {}): Profile {
  const folder = path.dirname(sourcePath);
  const absolute = (file: string): string => path.resolve(folder, file);
  const stateDirectory = absolute(document.stateDirectory);
  const { publicKey, ...download } = document.download;
  const { storeOverrides: _composedAlready, ...settings } = document;
  return {
    ...settings,
    sourcePath,
    channel: { id: document.channel.id, database: absolute(document.channel.database ?? path.join(stateDirectory, DEFAULT_DATABASE_FILE)) },
    workingFolder: workingFolder(document.workingFolder, absolute, secrets),
    stateDirectory,
    download: publicKey === undefined ? download : { ...download, publicKey: absolute(publicKey) },
  };
}

function workingFolder(
  settings: DefaultedDocument['workingFolder'],
  absolute: (file: string) => string,
  secrets: WorkingFolderSecrets,
): WorkingFolderSettings {
  if (settings.adapter === 'local') return { adapter: 'local', path: absolute(settings.path) };
  const { passwordFile: _file, passwordEnv: _env, bearerTokenFile: _tokenFile, bearerTokenEnv: _tokenEnv, tls, ...webdav } = settings;
  const files = tls === undefined ? undefined : Object.fromEntries(Object.entries(tls).map(([field, file]) => [field, absolute(file)]));
  return { ...webdav, ...secrets, ...(files === undefined ? {} : { tls: files }) };
}
