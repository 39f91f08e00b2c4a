import path from 'node:path';
import { openWorkingFolder } from '../workfolder/open.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import type { CliIo } from './command.js';
import { requireOption } from './package/usage.js';

/** The environment variable an HQ tool reads the WebDAV password from: never on the command line. */
export const WEBDAV_PASSWORD_ENV = 'ASYNC_CLIENT_WEBDAV_PASSWORD';

/** Time limit of one HTTP request of an HQ tool, as the profile's default. */
const TIMEOUT_SECONDS = 30;

export const WORKING_FOLDER_OPTION = { 'working-folder': { type: 'string' } } as const;

export const WORKING_FOLDER_OPTION_HELP = `  --working-folder PATH|URL  The working folder shared with the stores: a local or mounted path, or the
                             http(s) URL of a WebDAV share (user name in the URL, e.g.
                             https://hq@dav.example/stores/; the password in $${WEBDAV_PASSWORD_ENV}).`;

/** Opens the `--working-folder` an HQ tool writes to: a WebDAV adapter for an http(s) URL, else a local one. */
export async function openWorkingFolderOption(value: string | undefined, io: CliIo): Promise<WorkingFolder> {
  const location = requireOption(value, '--working-folder');
  if (/^https?:\/\//i.test(location)) {
    const password = io.env[WEBDAV_PASSWORD_ENV];
    return openWorkingFolder({
      adapter: 'webdav',
      url: location,
      timeoutSeconds: TIMEOUT_SECONDS,
      ...(password === undefined ? {} : { password }),
    });
  }
  return openWorkingFolder({ adapter: 'local', path: path.resolve(io.cwd, location) });
}
