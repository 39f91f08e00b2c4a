import type { AsyncClientError } from '../errors.js';
import { FileWorker } from './file-worker.js';
import { LocalWorkingFolder, type LocalFolderOptions } from './local.js';
import type { WebDavConnection } from './webdav.js';
import type { WorkingFolder } from './working-folder.js';

/** The profile's `workingFolder` section: which adapter, and its options. */
export type WorkingFolderConfig =
  | ({ readonly adapter: 'local'; readonly path: string } & LocalFolderOptions)
  | ({ readonly adapter: 'webdav' } & WebDavConnection);

/**
 * Opens the adapter the profile names. Nothing is contacted yet: `check()` is the preflight.
 * `probeOwner`, a store's channel id, marks the preflight's probe files as that store's.
 * `onWorkerFailure` hears of a local folder's file worker that failed for good (file-worker.ts).
 * The WebDAV adapter and its HTTP and XML libraries are loaded only for a WebDAV folder: a
 * store on a local path never holds them in memory.
 */
export async function openWorkingFolder(
  config: WorkingFolderConfig,
  options: { readonly probeOwner?: string; readonly onWorkerFailure?: (error: AsyncClientError) => void } = {},
): Promise<WorkingFolder> {
  switch (config.adapter) {
    case 'local':
      return new LocalWorkingFolder(
        config.path,
        options.probeOwner,
        config.mountPoint === undefined ? {} : { mountPoint: config.mountPoint },
        () => new FileWorker({ onFailure: options.onWorkerFailure }),
      );
    case 'webdav': {
      const { WebDavWorkingFolder } = await import('./webdav.js');
      return new WebDavWorkingFolder(config, options.probeOwner);
    }
  }
}
