import type { UploadStore } from '../channel/upload-journal.js';
import { AsyncClientError } from '../errors.js';
import { HeldTables } from './held-tables.js';

/**
 * The operator's answer to a held table (a counter gone backwards): uploads of `table` go on
 * with the rows whose counter is above `counter`, and the table is no longer held. Refused
 * while an unfinished upload carries rows of that table: it must be published first.
 */
export async function setUploadWatermark(
  uploads: UploadStore,
  stateDirectory: string,
  table: string,
  counter: bigint,
): Promise<{ readonly wasHeld: boolean }> {
  const pending = await uploads.pendingIntent();
  if (pending?.ranges.some((r) => r.table === table) === true) {
    throw new AsyncClientError(
      'E_UPLOAD_INTENT_PENDING',
      `upload sequence ${pending.sequence} (${pending.status}) carries rows of ${table} and is not published yet; let the upload cycle publish it, then set the watermark`,
      { table, sequence: pending.sequence },
    );
  }
  await uploads.setWatermark(table, counter);
  return { wasHeld: await HeldTables.in(stateDirectory).release(table) };
}
