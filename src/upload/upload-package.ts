import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { BuiltPackage, CounterRange, UploadSession, UploadStore, UploadTableConfig } from '../channel/upload-journal.js';
import { AsyncClientError } from '../errors.js';
import { createPackageWriter, FileDigest, packageFileName, type PackageManifestInput, type TableSpec } from '../package/index.js';

/** Names the system in every upload manifest; no version, so that a rebuild after an upgrade stays byte-identical. */
const PRODUCER = 'async-client';

/** The file name HQ sees for an upload session: fixed by channel and sequence. */
export function uploadFileName(session: Pick<UploadSession, 'channelId' | 'sequence'>): string {
  return packageFileName({ channelId: session.channelId, direction: 'upload', sequence: session.sequence });
}

/**
 * Writes the package of an upload session to `file`, from its recorded counter ranges in one
 * read snapshot. Everything in it comes from the session and the rows, nothing from the clock:
 * the same session over the same rows gives the same bytes, which is what lets a crash or a
 * `sessions resend` publish the package again under its name.
 */
export async function writeUploadPackage(
  uploads: UploadStore,
  session: UploadSession,
  tables: readonly UploadTableConfig[],
  file: string,
): Promise<BuiltPackage> {
  const configs = session.ranges.map((range) => configFor(session, range, tables));
  const digest = new FileDigest();
  const written = pipeline(digest, createWriteStream(file));
  // A failed build destroys the file stream before the failure reaches the catch below: no unhandled rejection meanwhile.
  written.catch(() => undefined);
  await uploads
    .snapshot(async (snapshot) => {
      const specs: TableSpec[] = [];
      for (const [i, range] of session.ranges.entries()) specs.push(await snapshot.tableSpec(configs[i] as UploadTableConfig, range));
      const writer = createPackageWriter(manifestFor(session, specs), digest);
      try {
        for (const [i, spec] of specs.entries()) {
          const config = configs[i] as UploadTableConfig;
          const range = session.ranges[i] as CounterRange;
          const encoded = (await snapshot.encodedRows?.(spec, config, range)) ?? null;
          if (encoded !== null) await writer.writeEncoded(spec.name, encoded);
          else for await (const batch of snapshot.rows(spec, config, range)) await writer.writeRows(spec.name, batch.rows);
        }
        await writer.end();
      } catch (error) {
        writer.abort(error as Error);
        throw error;
      }
    })
    .catch(async (error: unknown) => {
      await written.catch(() => undefined);
      throw error;
    });
  await written;
  return { fileName: uploadFileName(session), size: digest.size, checksum: digest.checksum() };
}

function manifestFor(session: UploadSession, tables: readonly TableSpec[]): PackageManifestInput {
  return {
    direction: 'upload',
    channelId: session.channelId,
    sequence: session.sequence,
    job: { id: 'upload', name: 'Channel upload' },
    dataGroup: 'channel',
    kind: 'incremental',
    createdAt: session.startedAt.toISOString(),
    producer: PRODUCER,
    tables,
  };
}

/** A recorded range is read with the table's configuration; its counter column is not recorded, so the table must still be configured. */
function configFor(session: UploadSession, range: CounterRange, tables: readonly UploadTableConfig[]): UploadTableConfig {
  const config = tables.find((t) => t.table === range.table);
  if (config === undefined) {
    throw new AsyncClientError(
      'E_UPLOAD_TABLE_UNCONFIGURED',
      `upload sequence ${session.sequence} carries rows of table ${range.table}, which the profile no longer lists under upload.tables; put it back until that package is published`,
      { sequence: session.sequence, table: range.table },
    );
  }
  return config;
}
