import { AsyncClientError } from '../errors.js';
import type { CounterRange, UploadSession, UploadTableConfig } from './upload-journal.js';

/** A new intent waits for the unfinished one, and needs rows. */
export function assertMayRecordIntent(pending: UploadSession | null, ranges: readonly CounterRange[]): void {
  if (pending !== null) {
    throw new AsyncClientError(
      'E_UPLOAD_INTENT_PENDING',
      `upload session ${pending.id} (sequence ${pending.sequence}) is still ${pending.status}: publish it before planning the next package`,
      { sessionId: pending.id },
    );
  }
  if (ranges.length === 0)
    throw new AsyncClientError('E_UPLOAD_EMPTY', 'an upload intent needs at least one counter range: no new rows means no package');
}

/** A range starts where the table's watermark stands, or someone else moved it. */
export function watermarkMoved(range: CounterRange, current: bigint): AsyncClientError {
  return new AsyncClientError(
    'E_UPLOAD_WATERMARK_MOVED',
    `upload table ${range.table}: the watermark is ${current}, not ${range.fromExclusive} where this package's range starts; plan the upload again`,
    { table: range.table, watermark: String(current), fromExclusive: String(range.fromExclusive) },
  );
}

export function counterBackwards(config: UploadTableConfig, watermark: bigint, highest: bigint): AsyncClientError {
  return new AsyncClientError(
    'E_UPLOAD_COUNTER_BACKWARDS',
    `upload table ${config.table}: the highest ${config.counterColumn} is ${highest}, below the ${watermark} already published (a restored backup?): uploads of this table are paused; check the data, then set the watermark with the operator command`,
    { table: config.table, counterColumn: config.counterColumn, watermark: String(watermark), highest: String(highest) },
  );
}

/** Names the row of a value that cannot travel by its counter, so that an operator can find it. */
export function atCounter(error: unknown, config: UploadTableConfig, counter: unknown): unknown {
  if (!(error instanceof AsyncClientError)) return error;
  return new AsyncClientError(error.code, `${error.message} (the row with ${config.counterColumn} ${String(counter)})`, {
    ...error.details,
    counter: String(counter),
  });
}
