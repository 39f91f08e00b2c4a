import type { PackageManifest, RowBatch } from '../package/types.js';
import type { AppliedCounts, ApplyPolicy } from './channel-database.js';
import type { DownloadSession, SeenPackage } from './download-journal.js';
import type { SqliteConnection } from './sqlite-connection.js';
import type { ApplicableSession, SqliteDownloadJournal } from './sqlite-download-journal.js';
import { translateSqliteError } from './sqlite-errors.js';
import { ShadowTableLoad, swappableOriginal, sweepShadows } from './sqlite-shadow-table.js';
import { StagedTableLoad } from './sqlite-staged-table.js';
import { StagingFile, sweepStagingFiles } from './sqlite-staging-file.js';
import { DirectTableLoad } from './sqlite-direct-table.js';
import { assertMayCreate } from './schema-errors.js';
import { schemaMemo } from './sqlite-schema-memo.js';
import { checkTable } from './sqlite-table-check.js';
import { RowFailure } from './sqlite-row-writer.js';
import { CHARS_PER_TRANSACTION, loadOf, rowError, stageRows, writeRows } from './sqlite-staging.js';
import type { TableLoad } from './sqlite-table-load.js';

/** A package of at most this many rows, and CHARS_PER_TRANSACTION, is read whole, then written in place in one transaction. */
const SMALL_PACKAGE_ROWS = 4096;
/** The session an apply marks Applied: one recorded (its id), or a package to record Downloaded as it is applied. */
export type ApplyTarget = number | SeenPackage;

/**
 * Applies a package without holding the write lock while it is read. A small package (at most
 * a few thousand rows, and as many characters as one staging transaction takes) is read first
 * and written in place in one transaction. A larger one streams: rows go to shadow tables
 * (full) or temporary staging tables (incremental) in short transactions, and one short final
 * transaction puts them in place and marks the session Applied, so the POS sees the whole
 * package or none of it. Staging commits are not flushed (`synchronous=NORMAL`): they matter only
 * if the final commit happens, and that one is flushed (`FULL`) together with the WAL before it.
 * A package to record (`target`) is recorded in the small package's one transaction, and before
 * a larger one's staging. Returns the session, Applied.
 * The caller holds the connection alone (SqliteConnection.exclusive) throughout.
 */
export async function applyPackage(
  conn: SqliteConnection,
  journal: SqliteDownloadJournal,
  manifest: PackageManifest,
  batches: AsyncIterable<RowBatch>,
  target: ApplyTarget,
  options: ApplyPolicy,
): Promise<DownloadSession> {
  const rows = manifest.tables.reduce((sum, table) => sum + table.upsertCount + table.deleteCount, 0);
  const ahead = rows <= SMALL_PACKAGE_ROWS ? await readSmall(batches) : null;
  // Only a streamed apply builds shadows: a backlog of small packages sweeps once, on the connection's first apply.
  if (ahead?.rest !== null || !conn.shadowsSwept) {
    sweepShadows(conn.db);
    sweepStagingFiles(conn.location);
  }
  conn.shadowsSwept = true;
  const apply = { conn, journal, manifest, target, options };
  if (ahead === null) return applyStreamed(apply, batches);
  if (ahead.rest === null) return applyInOneTransaction(apply, ahead.read);
  try {
    return await applyStreamed(apply, readOnFrom(ahead.read, ahead.rest));
  } finally {
    // However the apply ended: the package's reader is left where the read-ahead stopped.
    await ahead.rest.return?.();
  }
}

/** What an apply works with, whichever way it goes. */
interface PackageApply {
  readonly conn: SqliteConnection;
  readonly journal: SqliteDownloadJournal;
  readonly manifest: PackageManifest;
  readonly target: ApplyTarget;
  readonly options: ApplyPolicy;
}

/** A larger package, its rows staged in short transactions, then put in place by a short final one. */
async function applyStreamed(
  { conn, journal, manifest, target, options }: PackageApply,
  batches: AsyncIterable<RowBatch>,
): Promise<DownloadSession> {
  const { db } = conn;
  // Its commits are its own: a small package's commit group is committed first, and never rolled back with this apply.
  conn.flushCommits(false);
  const staging = StagingFile.attach(db, conn.location);
  const loads = new Map<string, TableLoad>();
  try {
    // Refused before anything is staged (a package recorded here has just become Downloaded); the final transaction reads the session again.
    const first = typeof target === 'number' ? journal.applicableNow(target) : conn.commitUnflushed(() => journal.downloadedNow(target));
    const sessionId = first.row.id;
    // Every table is checked before the first write: a refused package has written nothing to undo.
    conn.commitUnflushed(() => planLoads(db, manifest, options, loads, 'staged'));
    await stageRows(conn, manifest, batches, loads, staging);
    // Read again in the final transaction: the session may have changed while the rows were staged.
    return conn.commitFlushed(() => finishAll(conn, journal, loads, journal.applicableNow(sessionId)));
  } finally {
    // SQLite has already rolled back after some errors (SQLITE_FULL among them).
    if (db.inTransaction) db.exec('ROLLBACK');
    discardAll(loads.values());
    staging.remove();
  }
}

/**
 * A small package: its rows read first (a few thousand at most), then written in place in the
 * one transaction that records it (a package to record) and marks it Applied, committed
 * unflushed: the caller flushes before telling anyone (ChannelDatabase.flush). One that more
 * packages follow is a member of a commit group (sqlite-commit-group.ts), which the flush commits first.
 */
function applyInOneTransaction({ conn, journal, manifest, target, options }: PackageApply, read: readonly RowBatch[]): DownloadSession {
  const loads = new Map<string, TableLoad>();
  // Unflushed: a backlog of small packages shares one flush, and its commits as long as more follow.
  const work = (): DownloadSession => {
    const session = typeof target === 'number' ? journal.applicableNow(target) : journal.toApplyNow(target);
    planLoads(conn.db, manifest, options, loads, 'direct');
    for (const batch of read) writeRows(conn, loadOf(loads, manifest, batch), batch.rows);
    return finishAll(conn, journal, loads, session);
  };
  return options.followed === true ? conn.commitInGroup(work) : conn.commitUnflushed(work);
}

/** Checks every table before anything is written, then makes each table's load. */
function planLoads(
  db: SqliteConnection['db'],
  manifest: PackageManifest,
  options: ApplyPolicy,
  loads: Map<string, TableLoad>,
  how: 'direct' | 'staged',
): void {
  const plans = manifest.tables.map((spec) => {
    // The check reads only the columns, the key and whether there are upserts: not the row counts.
    const key = JSON.stringify(['check', manifest.kind, spec.name, spec.columns, spec.primaryKey, spec.upsertCount > 0]);
    const name = schemaMemo(db, key, () => checkTable(db, spec, manifest.kind));
    if (name === null) assertMayCreate(spec, manifest.kind, options.allowCreateTables);
    return { spec, name };
  });
  for (const { spec, name } of plans) {
    if (how === 'direct') {
      loads.set(spec.name, new DirectTableLoad(db, spec, manifest.kind, name));
      continue;
    }
    const original = name === null || manifest.kind !== 'full' ? null : swappableOriginal(db, name);
    loads.set(
      spec.name,
      name === null || original !== null ? new ShadowTableLoad(db, spec, original) : new StagedTableLoad(db, spec, manifest.kind, name),
    );
  }
}

/** Inside the final transaction, `session` read in it: every table's rows in place, and the session Applied with them. */
function finishAll(
  conn: SqliteConnection,
  journal: SqliteDownloadJournal,
  loads: ReadonlyMap<string, TableLoad>,
  session: ApplicableSession,
): DownloadSession {
  const counts: AppliedCounts = Object.fromEntries([...loads].map(([name, load]) => [name, finish(conn, load)]));
  return journal.markAppliedNow(session, counts);
}

function finish(conn: SqliteConnection, load: TableLoad): number {
  try {
    return load.finish();
  } catch (error) {
    const table = load.spec.name;
    if (error instanceof RowFailure) throw rowError(conn, load, error);
    throw translateSqliteError(error, conn.location, `putting the ${load.seen} rows of table ${table} in place`, { table });
  }
}

/** Clean-up after the final commit or a failure; one that fails leaves a leftover the next sweep removes. */
function discardAll(loads: Iterable<TableLoad>): void {
  for (const load of loads) {
    try {
      load.discard();
    } catch {
      // The failure that brought us here, or the commit that did, is what the caller must see.
    }
  }
}

/** A small package's batches read ahead: all of them (`rest` null), or those read before they held CHARS_PER_TRANSACTION, and the rest. */
async function readSmall(batches: AsyncIterable<RowBatch>): Promise<{ read: RowBatch[]; rest: AsyncIterator<RowBatch> | null }> {
  const read: RowBatch[] = [];
  const iterator = batches[Symbol.asyncIterator]();
  let chars = 0;
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
    read.push(next.value);
    chars += next.value.chars ?? 0;
    if (chars >= CHARS_PER_TRANSACTION) return { read, rest: iterator };
  }
  return { read, rest: null };
}

/** The batches read ahead, then the rest. */
async function* readOnFrom(read: readonly RowBatch[], rest: AsyncIterator<RowBatch>): AsyncIterable<RowBatch> {
  yield* read;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}
