import type { KeyObject } from 'node:crypto';
import { concurrently } from '../../concurrently.js';
import { assemblePackage } from '../../package/assembled-package.js';
import { packageFileName, type PackageManifestInput } from '../../package/index.js';
import type { SpooledBody } from '../../package/spooled-body.js';
import { channelFolders } from '../../workfolder/layout.js';
import type { WorkingFolder } from '../../workfolder/working-folder.js';
import type { SequencePlan } from './channel-plan.js';

export interface FanOutJob {
  readonly folder: WorkingFolder;
  /** The rows, checked and compressed once. */
  readonly body: SpooledBody;
  /** Every manifest field but the channel and sequence, which each package gets from `plan`. */
  readonly manifest: Omit<PackageManifestInput, 'channelId' | 'sequence' | 'direction'>;
  readonly channels: readonly string[];
  readonly plan: SequencePlan;
  readonly signingKey?: KeyObject;
  /** Packages written at once. */
  readonly concurrency: number;
  /** Told as each channel is done. */
  readonly onOutcome?: (outcome: FanOutOutcome) => void;
}

export type FanOutOutcome = { readonly channel: string; readonly sequence: number; readonly path: string } & (
  | { readonly result: 'written'; readonly sha256: string; readonly fileBytes: number }
  /** A file of this name is already in the download area (or applied or canceled): an earlier run wrote it. */
  | { readonly result: 'present' }
  | { readonly result: 'failed'; readonly error: unknown }
);

/**
 * Writes one package per channel into each store's download area from one compressed body:
 * only the manifest line, the digest and the signature are made per channel. Each file is
 * written atomically; a channel whose package for its planned sequence is already there is
 * skipped, so a rerun after an interruption writes the rest and never a second file for one
 * sequence. A failed channel does not stop the others.
 */
export async function fanOut(job: FanOutJob): Promise<FanOutOutcome[]> {
  const { folder, body, plan, signingKey } = job;
  const results = await concurrently(job.channels, job.concurrency, async (channel): Promise<FanOutOutcome> => {
    const sequence = plan.get(channel) as number;
    const areas = channelFolders(channel);
    const name = packageFileName({ channelId: channel, direction: 'download', sequence });
    const path = `${areas.download}/${name}`;
    try {
      const existing = await Promise.all([path, `${areas.applied}/${name}`, `${areas.canceled}/${name}`].map((p) => folder.stat(p)));
      if (existing.some((entry) => entry !== undefined)) return report({ channel, sequence, path, result: 'present' });
      await folder.ensureDir(areas.download);
      const assembled = assemblePackage({ ...job.manifest, direction: 'download', channelId: channel, sequence }, body, signingKey);
      await folder.writeAtomic(path, assembled.content);
      const { sha256, fileBytes } = assembled.result();
      return report({ channel, sequence, path, result: 'written', sha256, fileBytes });
    } catch (error) {
      return report({ channel, sequence, path, result: 'failed', error });
    }
  });
  return results.map((result) => (result as PromiseFulfilledResult<FanOutOutcome>).value);

  function report(outcome: FanOutOutcome): FanOutOutcome {
    job.onOutcome?.(outcome);
    return outcome;
  }
}
