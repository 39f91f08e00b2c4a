import { WebDavWorkingFolder } from '../../src/workfolder/webdav.js';

const folders: WebDavWorkingFolder[] = [];

/** A WebDAV folder for one test, closed after it (the suite's afterEach calls `closeWebDavFolders`). */
export function openWebDav(
  url: string,
  credentials: { username?: string; password?: string } = {},
  timeoutSeconds = 10,
): WebDavWorkingFolder {
  const folder = new WebDavWorkingFolder({ url, ...credentials, timeoutSeconds });
  folders.push(folder);
  return folder;
}

export async function closeWebDavFolders(): Promise<void> {
  await Promise.all(folders.splice(0).map((folder) => folder.close()));
}

/** The error code `check()` gives, or 'ok'. */
export async function codeOfCheck(folder: WebDavWorkingFolder): Promise<string> {
  const health = await folder.check();
  return health.ok ? 'ok' : health.error.code;
}
