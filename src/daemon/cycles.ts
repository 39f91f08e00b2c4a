import { loadOnFirstUse } from '../load-on-first-use.js';
import type { Cycle, CycleDeps } from '../schedule/cycle.js';

/**
 * The store's two cycles; `beforeDownload` runs at the start of each download run (the look at
 * HQ's profile). Each cycle's modules (the package reader or writer, its adapters' work) load
 * when the cycle first runs: the daemon is READY sooner and, until then, smaller.
 */
export function createCycles(deps: CycleDeps, beforeDownload: () => Promise<void>): readonly Cycle[] {
  const download = loadOnFirstUse(async () => {
    const [{ createDownloadCycle }, { downloadStagingDirectory }] = await Promise.all([
      import('../download/download-cycle.js'),
      import('../download/staging.js'),
    ]);
    return createDownloadCycle({ ...deps, stagingDirectory: downloadStagingDirectory(deps.profile().stateDirectory) });
  });
  const upload = loadOnFirstUse(async () => (await import('../upload/upload-cycle.js')).createUploadCycle(deps));
  return [
    {
      direction: 'download',
      run: async (signal) => {
        await beforeDownload();
        return (await download()).run(signal);
      },
    },
    { direction: 'upload', run: async (signal) => (await upload()).run(signal) },
  ];
}
