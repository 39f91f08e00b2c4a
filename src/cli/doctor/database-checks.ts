import { access } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ChannelDatabase } from '../../channel/channel-database.js';
import { openChannelDatabase } from '../../channel/open.js';
import { JOURNAL_SCHEMA_VERSION } from '../../channel/sqlite-migrations.js';
import { errorCode, errorMessage } from '../../errors.js';
import type { Profile } from '../../profile/profile.js';
import { checkUploadTables } from '../../upload/upload-tables.js';
import { type CheckResult, fail, ok, skip, warn } from './check-result.js';

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * The channel database as the daemon's start-up finds it: writable with room on its disk
 * (the same ChannelDatabase.check the daemon runs), the journal's version, the upload tables
 * and their counter indexes (checkUploadTables), and on demand SQLite's `PRAGMA quick_check`.
 * A SQLite file that does not exist yet is not created: the daemon creates it.
 */
export async function databaseChecks(profile: Profile, options: { quickCheck: boolean }): Promise<CheckResult[]> {
  const { database } = profile.channel;
  if (typeof database === 'string' && !(await exists(database))) {
    const folder = path.dirname(database);
    const parentReady = (await exists(folder)) || folder === profile.stateDirectory;
    return [
      parentReady
        ? warn('database', `${database} does not exist yet`, 'nothing to do: the daemon creates it at its first start')
        : fail(
            'database',
            `${database} does not exist, nor its folder ${folder}`,
            `create ${folder}, or fix channel.database in the profile`,
          ),
      skip('journal', 'no database yet'),
      skip('upload-tables', 'no database yet'),
    ];
  }
  let db: ChannelDatabase;
  try {
    db = await openChannelDatabase(profile.channel);
  } catch (error) {
    return [
      fail(
        'database',
        `cannot open it: ${errorMessage(error)} (${errorCode(error)})`,
        'see the message; the daemon cannot start until it opens',
      ),
      skip('journal', 'the database does not open'),
      skip('upload-tables', 'the database does not open'),
    ];
  }
  try {
    const results = [await writable(db), journal(db), ...(await uploadTables(db, profile))];
    if (options.quickCheck && typeof database === 'string') results.push(quickCheck(database));
    return results;
  } finally {
    await db.close();
  }
}

async function writable(db: ChannelDatabase): Promise<CheckResult> {
  try {
    await db.check();
    return ok('database', `${db.describe().location}: writable, with room on its disk`);
  } catch (error) {
    return fail(
      'database',
      `${errorMessage(error)} (${errorCode(error)})`,
      "let the daemon's user write the database and its folder, and free disk space",
    );
  }
}

function journal(db: ChannelDatabase): CheckResult {
  const { engine, schemaVersion } = db.describe();
  if (schemaVersion === null) return warn('journal', 'no session journal yet', 'nothing to do: the daemon creates it at its first start');
  if (engine !== 'sqlite') return ok('journal', `version ${schemaVersion}`);
  if (schemaVersion > JOURNAL_SCHEMA_VERSION) {
    return fail(
      'journal',
      `version ${schemaVersion}, newer than the ${JOURNAL_SCHEMA_VERSION} this build knows (a newer async-client wrote it)`,
      'run the newer async-client, or restore a backup that matches this one',
    );
  }
  if (schemaVersion < JOURNAL_SCHEMA_VERSION)
    return ok('journal', `version ${schemaVersion}; the daemon upgrades it to ${JOURNAL_SCHEMA_VERSION} at start`);
  return ok('journal', `version ${schemaVersion}, current`);
}

async function uploadTables(db: ChannelDatabase, profile: Profile): Promise<CheckResult[]> {
  if (profile.upload.tables.length === 0) return [ok('upload-tables', 'none configured: nothing is uploaded')];
  const problems = await checkUploadTables(db, profile.upload);
  if (problems.length === 0)
    return [ok('upload-tables', `${profile.upload.tables.map((t) => t.name).join(', ')}: tables, counters and indexes in place`)];
  return problems.map((problem) =>
    warn(
      'upload-tables',
      `${problem.message} (${problem.code})`,
      `uploads of ${problem.table} wait until this is fixed; the other tables go on`,
    ),
  );
}

/** SQLite's own consistency check of every page (`--quick-check`: it reads the whole file). */
function quickCheck(file: string): CheckResult {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const lines = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check);
    if (lines.length === 1 && lines[0] === 'ok') return ok('quick-check', 'PRAGMA quick_check: ok');
    return fail(
      'quick-check',
      `PRAGMA quick_check: ${lines.slice(0, 5).join('; ')}`,
      'stop the daemon and restore the database from a backup',
    );
  } catch (error) {
    // better-sqlite3's SqliteError (SQLITE_CORRUPT, SQLITE_NOTADB) carries its code itself.
    const code = (error as { code?: string }).code ?? errorCode(error);
    return fail('quick-check', `${errorMessage(error)} (${code})`, 'stop the daemon and restore the database from a backup');
  } finally {
    db?.close();
  }
}
