import type { ChannelDatabase } from '../channel/channel-database.js';
import type { UploadTableConfig } from '../channel/upload-journal.js';
import { AsyncClientError, errorCode, errorMessage } from '../errors.js';
import type { UploadSettings } from '../profile/profile.js';

/** One configured upload table that cannot be uploaded as it stands, and what to do about it. */
export interface UploadTableProblem {
  readonly table: string;
  readonly code: string;
  /** Says what is missing and how to fix it, SQL included where SQL fixes it. */
  readonly message: string;
}

export function uploadTableConfigs(settings: UploadSettings): UploadTableConfig[] {
  return settings.tables.map((t) =>
    t.filter === undefined
      ? { table: t.name, counterColumn: t.counterColumn }
      : { table: t.name, counterColumn: t.counterColumn, filter: t.filter },
  );
}

/**
 * The start-up check of the profile's upload tables (run again before every upload): each
 * table and counter column exists, the counter is an integer and indexed, and the table has
 * a primary key for HQ to upsert by. Returns the problems; an empty list means all is well.
 */
export async function checkUploadTables(channelDatabase: ChannelDatabase, settings: UploadSettings): Promise<UploadTableProblem[]> {
  const problems: UploadTableProblem[] = [];
  for (const config of uploadTableConfigs(settings)) {
    try {
      const description = await channelDatabase.uploads.describeTable(config);
      if (description.primaryKey.length === 0) {
        throw new AsyncClientError(
          'E_UPLOAD_TABLE_KEYLESS',
          `upload table ${config.table} (counter ${config.counterColumn}): the table has no primary key, and HQ applies uploaded rows by key; declare one (a PRIMARY KEY, or recreate the table with an INTEGER PRIMARY KEY)`,
          { ...config },
        );
      }
    } catch (error) {
      problems.push({ table: config.table, code: errorCode(error), message: errorMessage(error) });
    }
  }
  return problems;
}
