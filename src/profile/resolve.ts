/**
 * From the document the schema accepted (defaults applied) to the Profile the daemon uses:
 * every path absolute, resolved against the profile file's folder.
 */
import path from 'node:path';
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
  readonly workingFolder: LocalWorkingFolderSettings | (WebDavWorkingFolderSettings & { readonly passwordFile?: string });
  /** Read when composing with HQ's profile (compose.ts); the running profile has no use for it. */
  readonly storeOverrides: readonly string[];
};

/** `password` is the WebDAV password read from `passwordFile`, when there is one. */
export function resolveProfile(document: DefaultedDocument, sourcePath: string, password?: string): Profile {
  const folder = path.dirname(sourcePath);
  const absolute = (file: string): string => path.resolve(folder, file);
  const stateDirectory = absolute(document.stateDirectory);
  const { publicKey, ...download } = document.download;
  const { storeOverrides: _composedAlready, ...settings } = document;
  return {
    ...settings,
    sourcePath,
    channel: { id: document.channel.id, database: absolute(document.channel.database ?? path.join(stateDirectory, DEFAULT_DATABASE_FILE)) },
    workingFolder: workingFolder(document.workingFolder, absolute, password),
    stateDirectory,
    download: publicKey === undefined ? download : { ...download, publicKey: absolute(publicKey) },
  };
}

function workingFolder(
  settings: DefaultedDocument['workingFolder'],
  absolute: (file: string) => string,
  password: string | undefined,
): WorkingFolderSettings {
  if (settings.adapter === 'local') return { adapter: 'local', path: absolute(settings.path) };
  const { passwordFile: _readByTheLoader, ...webdav } = settings;
  return password === undefined ? webdav : { ...webdav, password };
}
