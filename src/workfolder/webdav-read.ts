import type { Readable } from 'node:stream';
import type { Response } from 'node-fetch';
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncClientError, errorCode } from '../errors.js';
import type { FolderPath } from './paths.js';
import { PushedBody } from './webdav-body.js';
import type { DavClient } from './webdav-client.js';
import { webDavStatusError, type WebDavOperation } from './webdav-errors.js';
import { FolderErrorCode, type ReadResume } from './working-folder.js';

/** A dropped download is resumed this many times in a row, each time from the last byte received. */
const RESUMES = 3;
const RESUME_PAUSE_MS = 250;

/** What identifies the version of the file the first answer carried. */
interface Version {
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly length: number | null;
}

/**
 * GET of one file as a stream that survives a dropped connection: when the body breaks off
 * after `n` bytes, the rest is asked for with `Range: bytes=n-` and `If-Range` (the strong
 * ETag, else Last-Modified), and the stream goes on as if nothing happened. A server that
 * ignores ranges sends the whole file again (200): when it is the same version, the first
 * `n` bytes are skipped; when the file changed in between, the stream fails with
 * E_FOLDER_CHANGED and the reader starts over: two versions are never spliced. Without any
 * validator there is no telling, so nothing is resumed. Every request has its idle deadline.
 */
export async function openResumableRead(
  dav: DavClient,
  segments: FolderPath,
  operation: WebDavOperation,
  resume?: ReadResume,
): Promise<Readable> {
  if (resume !== undefined && resume.from > 0) return openFrom(dav, segments, operation, resume);
  const first = await get(dav, segments, operation, undefined);
  if (first.status !== 200) throw await refused(first, operation);
  const version = versionOf(first.response);
  return relayed((out) => resumingBodies(out, dav, segments, operation, first, version, 0));
}

/**
 * The rest of a copy an earlier read left short (`resume`), with `Range` from its end and
 * `If-Range` on the version listed: a 206 that continues that version goes on; a 200 of the same
 * version (a server that ignores ranges) has the bytes already held skipped; anything else
 * means the file changed since: E_FOLDER_CHANGED, and the reader starts over.
 */
async function openFrom(dav: DavClient, segments: FolderPath, operation: WebDavOperation, resume: ReadResume): Promise<Readable> {
  const { entry, from } = resume;
  const lastModified = entry.modifiedAt.toUTCString();
  const listed: Version = { etag: entry.etag ?? null, lastModified, length: entry.size };
  const first = await get(dav, segments, operation, { from, validator: strongEtag(listed.etag) ?? lastModified });
  const continues = first.status === 206 && continuesAt(first.response, from, listed);
  if (!continues && !(first.status === 200 && sameVersion(versionOf(first.response), listed))) {
    if (![200, 206, 412, 416].includes(first.status)) throw await refused(first, operation);
    first.stop();
    await first.response.arrayBuffer().catch(() => undefined);
    throw changed(operation);
  }
  return relayed((out) => resumingBodies(out, dav, segments, operation, first, listed, from, continues ? 0 : from));
}

/** A stream that `pump` fills; what it throws destroys the stream. */
function relayed(pump: (out: PushedBody) => Promise<void>): Readable {
  const out = new PushedBody();
  pump(out).then(
    () => out.push(null),
    (error: unknown) => out.destroy(error as Error),
  );
  return out;
}

interface Answer {
  readonly response: Response;
  readonly status: number;
  readonly stop: () => void;
  /** Relays the body into `out` (see PushedBody.relay). */
  readonly relay: (out: PushedBody, take: (chunk: Buffer) => Buffer | undefined) => Promise<void>;
}

async function resumingBodies(
  out: PushedBody,
  dav: DavClient,
  segments: FolderPath,
  operation: WebDavOperation,
  first: Answer,
  version: Version,
  from: number,
  skipFirst = 0,
): Promise<void> {
  const validator = strongEtag(version.etag) ?? version.lastModified;
  let answer: Answer | undefined = first;
  let received = from;
  let skip = skipFirst;
  let failures = 0;
  for (;;) {
    if (answer === undefined) {
      // A pause that grows with each try in a row, so that a server restarting has time to come back.
      await sleep(RESUME_PAUSE_MS * 2 ** (failures - 1));
      if (out.destroyed) return;
      try {
        answer = await get(dav, segments, operation, { from: received, validator: validator ?? '' });
      } catch (error) {
        if (errorCode(error) !== FolderErrorCode.unreachable || failures >= RESUMES) throw error;
        failures += 1;
        continue;
      }
      if (answer.status === 200 && sameVersion(versionOf(answer.response), version)) skip = received;
      else if (answer.status !== 206 || !continuesAt(answer.response, received, version)) {
        const refusal = [200, 206, 412, 416].includes(answer.status) ? changed(operation) : webDavRefusal(answer, operation);
        answer.stop();
        await answer.response.arrayBuffer().catch(() => undefined);
        throw refusal;
      }
    }
    try {
      await answer.relay(out, (chunk) => {
        const fresh = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
        skip -= chunk.length - fresh.length;
        if (fresh.length === 0) return undefined;
        received += fresh.length;
        failures = 0;
        return fresh;
      });
      if (version.length !== null && received < version.length)
        throw new Error(`the body ended after ${received} of ${version.length} bytes`);
      return;
    } catch (error) {
      if (out.destroyed) return;
      const transport = !(error instanceof AsyncClientError) || error.code === FolderErrorCode.unreachable;
      if (!transport || validator === null || failures >= RESUMES) throw asUnreachable(error, dav, operation);
      failures += 1;
      answer.stop();
      answer = undefined;
    } finally {
      answer?.stop();
    }
  }
}

async function get(
  dav: DavClient,
  segments: FolderPath,
  operation: WebDavOperation,
  range: { readonly from: number; readonly validator: string } | undefined,
): Promise<Answer> {
  const deadline = dav.deadline();
  const headers = range === undefined ? undefined : { Range: `bytes=${range.from}-`, 'If-Range': range.validator };
  const response = await dav
    .send({ method: 'GET', target: dav.urlFor(segments, 'file'), operation, ...(headers === undefined ? {} : { headers }) }, deadline)
    .catch((error: unknown) => {
      deadline.stop();
      throw error;
    });
  const relay = async (out: PushedBody, take: (chunk: Buffer) => Buffer | undefined): Promise<void> => {
    if (response.body === null) throw dav.transportError(new Error('no body'), operation, deadline);
    await out.relay(
      response.body as Readable,
      take,
      { onWait: () => deadline.start(), onChunk: () => deadline.stop(), onEnd: () => deadline.stop() },
      (error) => dav.transportError(error, operation, deadline),
    );
  };
  return { response, status: response.status, stop: () => deadline.stop(), relay };
}

async function refused(answer: Answer, operation: WebDavOperation): Promise<AsyncClientError> {
  answer.stop();
  await answer.response.arrayBuffer().catch(() => undefined);
  return webDavRefusal(answer, operation);
}

function webDavRefusal(answer: Answer, operation: WebDavOperation): AsyncClientError {
  return webDavStatusError(answer.status, operation, answer.response.headers.get('retry-after'));
}

function versionOf(response: Response): Version {
  const length = response.headers.get('content-length');
  return {
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
    length: length !== null && /^\d+$/.test(length) ? Number(length) : null,
  };
}

/** If-Range takes only a strong ETag. */
function strongEtag(etag: string | null): string | null {
  return etag !== null && !etag.startsWith('W/') ? etag : null;
}

function sameVersion(a: Version, b: Version): boolean {
  if (a.etag !== null || b.etag !== null) return withoutWeakMark(a.etag) === withoutWeakMark(b.etag) && a.length === b.length;
  return a.lastModified !== null && a.lastModified === b.lastModified && a.length === b.length;
}

/** Apache marks a file's ETag weak in its first second, then strong, with the same tag. */
function withoutWeakMark(etag: string | null): string | null {
  return etag?.replace(/^W\//, '') ?? null;
}

/** A 206 that carries exactly the rest of the same file: `bytes <from>-<last>/<total>`. */
function continuesAt(response: Response, from: number, version: Version): boolean {
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (range === null || Number(range[1]) !== from) return false;
  if (version.length !== null && range[3] !== String(version.length)) return false;
  const etag = response.headers.get('etag');
  return version.etag === null || etag === null || withoutWeakMark(etag) === withoutWeakMark(version.etag);
}

function changed(operation: WebDavOperation): AsyncClientError {
  return new AsyncClientError(
    FolderErrorCode.changed,
    `Cannot read "${operation.path}" in WebDAV folder ${operation.location} whole: the file changed on the server while it was read; read it again from the start.`,
    { ...operation },
  );
}

function asUnreachable(error: unknown, dav: DavClient, operation: WebDavOperation): AsyncClientError {
  if (error instanceof AsyncClientError) return error;
  return dav.transportError(error, operation, dav.deadline());
}

/** One GET read whole, undefined when the file holds more than `limitBytes` (WorkingFolder.readWhole). */
export async function readWhole(
  dav: DavClient,
  segments: FolderPath,
  operation: WebDavOperation,
  limitBytes: number,
): Promise<Buffer | undefined> {
  const answer = await dav.whole({ method: 'GET', target: dav.urlFor(segments, 'file'), operation }, limitBytes);
  if (answer !== undefined && answer.status !== 200) throw webDavStatusError(answer.status, operation, answer.retryAfter);
  return answer?.bytes;
}
