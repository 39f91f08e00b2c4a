import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BuiltPackage, UploadSession, UploadStore, UploadTableConfig } from '../channel/upload-journal.js';
import { AsyncClientError } from '../errors.js';
import { parsePackageFileName } from '../package/index.js';
import { channelFolders } from '../workfolder/layout.js';
import type { WorkingFolder } from '../workfolder/working-folder.js';
import { uploadFileName, writeUploadPackage } from './upload-package.js';

export interface UploadPublisherDeps {
  readonly uploads: UploadStore;
  readonly workingFolder: WorkingFolder;
  /** Local folder where a package is built before it is published (`<stateDirectory>/upload-staging`). */
  readonly stagingDirectory: string;
  readonly tables: readonly UploadTableConfig[];
}

export interface StagedPackage {
  readonly file: string;
  readonly built: BuiltPackage;
}

/** Where the profile's state directory keeps packages being built. */
export function uploadStagingDirectory(stateDirectory: string): string {
  return join(stateDirectory, 'upload-staging');
}

/**
 * Publishes one upload session. The statuses say how far it got:
 * - Started: the intent (sequence, counter ranges) is recorded; nothing is built.
 * - Available: the package is built in the staging folder, its size and SHA-256 recorded;
 *   from here on, whatever happens, the bytes published under this sequence are these.
 * - Uploaded: the package is durably in the channel's `upload` area and the watermarks moved
 *   past its ranges, in one transaction. HQ removes the file once it imported it.
 * Any throw leaves the session as it was (the caller records UploadFailed) and the watermarks
 * where they stood.
 */
export async function publishUploadSession(deps: UploadPublisherDeps, session: UploadSession): Promise<UploadSession> {
  const staged = await stage(deps, session);
  if (session.status !== 'Available' || session.checksum !== staged.built.checksum) {
    await deps.uploads.markAvailable(session.id, staged.built);
  }
  await publish(deps, session, staged.file);
  const done = await deps.uploads.complete(session.id, staged.built);
  await rm(staged.file, { force: true });
  return done;
}

/**
 * Publishes an Uploaded package again, under its name, when HQ asks for it: rebuilt from the
 * recorded ranges and refused (`E_UPLOAD_CONTENT_CHANGED`) unless byte-identical to the first.
 */
export async function resendUploadSession(deps: UploadPublisherDeps, session: UploadSession): Promise<BuiltPackage> {
  if (session.status !== 'Uploaded') {
    throw new AsyncClientError(
      'E_UPLOAD_NOT_UPLOADED',
      `upload sequence ${session.sequence} is ${session.status}, not Uploaded: the upload cycle publishes it by itself; run \`async-client upload --once\``,
      { sequence: session.sequence },
    );
  }
  const staged = await stage({ ...deps, stagingDirectory: join(deps.stagingDirectory, 'resend') }, session);
  try {
    await publish(deps, session, staged.file);
  } finally {
    await rm(staged.file, { force: true });
  }
  return staged.built;
}

/** Reuses a staged file whose checksum was recorded, or builds it again from the ranges. */
async function stage(deps: UploadPublisherDeps, session: UploadSession): Promise<StagedPackage> {
  await mkdir(deps.stagingDirectory, { recursive: true });
  const fileName = uploadFileName(session);
  const file = join(deps.stagingDirectory, fileName);
  if (session.checksum !== null && session.size !== null && (await sha256Of(file)) === session.checksum) {
    return { file, built: { fileName, size: session.size, checksum: session.checksum } };
  }
  // One name per build: an `upload --once` beside the daemon never writes into the daemon's file.
  const building = `${file}${BUILDING}${process.pid}-${randomBytes(4).toString('hex')}`;
  await removeLeftovers(deps.stagingDirectory, fileName);
  let built: BuiltPackage;
  try {
    built = await writeUploadPackage(deps.uploads, session, deps.tables, building);
  } catch (error) {
    await rm(building, { force: true });
    throw error;
  }
  if (session.checksum !== null && built.checksum !== session.checksum) {
    await rm(building, { force: true });
    throw new AsyncClientError(
      'E_UPLOAD_CONTENT_CHANGED',
      `upload sequence ${session.sequence}: rebuilt from its counter ranges, the package is no longer the one recorded (file sha256 ${built.checksum}, recorded ${session.checksum}): rows in those ranges changed since, or the table's filter or columns did; HQ must not get two different packages for one sequence, so restore the table's configuration`,
      { sequence: session.sequence, recorded: session.checksum, rebuilt: built.checksum },
    );
  }
  await rename(building, file);
  return { file, built };
}

async function publish(deps: UploadPublisherDeps, session: UploadSession, file: string): Promise<void> {
  const area = channelFolders(session.channelId).upload;
  await deps.workingFolder.ensureDir(area);
  // Opened before it is handed on: a file another uploader removed meanwhile (it published the
  // package and cleared its staging) fails this attempt here. A stream opened lazily reported it
  // as an 'error' nobody listened to yet, which ended the process.
  const content = (await open(file, 'r')).createReadStream();
  try {
    await deps.workingFolder.writeAtomic(`${area}/${uploadFileName(session)}`, content);
  } finally {
    content.destroy();
  }
}

async function sha256Of(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), hash);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/** Clears what crashed runs left in the staging folder, keeping the pending session's package. */
export async function clearUploadStaging(stagingDirectory: string, pending: UploadSession | null): Promise<void> {
  await removeLeftovers(stagingDirectory, pending === null ? null : uploadFileName(pending));
}

const BUILDING = '.building-';

/**
 * Removes what killed processes left in the staging folder: half-built packages (a live
 * process's stay), and packages other than `keep`, which are Uploaded (only one session is
 * pending at a time) but whose process died before removing them.
 */
async function removeLeftovers(directory: string, keep: string | null): Promise<void> {
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const name of names) {
    const at = name.indexOf(BUILDING);
    const builder = at < 0 ? undefined : Number(name.slice(at + BUILDING.length).split('-')[0]);
    const abandoned = builder !== undefined && builder !== process.pid && !isRunning(builder);
    if (abandoned || (name !== keep && parsePackageFileName(name) !== undefined)) await rm(join(directory, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
