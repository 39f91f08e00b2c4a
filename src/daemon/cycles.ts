import { createDownloadCycle } from '../download/download-cycle.js';
import { downloadStagingDirectory } from '../download/staging.js';
import type { Cycle, CycleDeps } from '../schedule/cycle.js';
import { createUploadCycle } from '../upload/upload-cycle.js';

/** The store's two cycles. */
export function createCycles(deps: CycleDeps): readonly Cycle[] {
  const stagingDirectory = downloadStagingDirectory(deps.profile().stateDirectory);
  return [createDownloadCycle({ ...deps, stagingDirectory }), createUploadCycle(deps)];
}
