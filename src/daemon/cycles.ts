import { createDownloadCycle } from '../download/download-cycle.js';
import { downloadStagingDirectory } from '../download/staging.js';
import type { Cycle, CycleDeps } from '../schedule/cycle.js';
import { createUploadCycle } from '../upload/upload-cycle.js';

/** The store's two cycles; `beforeDownload` runs at the start of each download run (the look at HQ's profile). */
export function createCycles(deps: CycleDeps, beforeDownload: () => Promise<void>): readonly Cycle[] {
  const stagingDirectory = downloadStagingDirectory(deps.profile().stateDirectory);
  const download = createDownloadCycle({ ...deps, stagingDirectory });
  return [
    {
      direction: 'download',
      run: async (signal) => {
        await beforeDownload();
        return download.run(signal);
      },
    },
    createUploadCycle(deps),
  ];
}
