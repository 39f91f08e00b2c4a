import type { PackageManifest, PackageRow, RowBatch } from '../package/types.js';
import { AsyncClientError } from '../errors.js';
import { tableUnlisted } from './schema-errors.js';
import { BackgroundCheckpoints } from './sqlite-checkpointer.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { DiskRoom } from './sqlite-disk-room.js';
import { translateSqliteError } from './sqlite-errors.js';
import { RowFailure } from './sqlite-row-writer.js';
import type { StagingFile } from './sqlite-staging-file.js';
import type { TableLoad } from './sqlite-table-load.js';
import { WriterThread } from './sqlite-writer-thread.js';
import { ThreadRowFailure } from './sqlite-writer-thread-protocol.js';

/**
 * Rows written per staging transaction. The POS may take the write lock between two of them
 * while the next rows are read; bench/download.bench.ts measures the longest it then waits.
 * The rows wait in memory for their transaction: few enough that they die young in V8's young
 * generation (docs/applying.md, "Memory").
 * The first is small, so that DiskRoom learns the bytes per row before a large one.
 */
const ROWS_PER_TRANSACTION = 2048;
const ROWS_IN_FIRST_TRANSACTION = 256;
/**
 * Characters of the package's lines a transaction takes at most, whatever its row count, as the
 * reader's batches do: rows of large values (lines of up to 8 MB, docs/package-format.md) wait for
 * their transaction a few at a time. The bench's 2,048 rows take about 200,000.
 */
export const CHARS_PER_TRANSACTION = 1024 * 1024;

/**
 * Reads the package into the loads, a few thousand rows per transaction. Shadow tables and the
 * staging file's tables are written by a thread of their own while this one reads
 * (sqlite-writer-thread.ts); what this connection writes to the main database has its WAL
 * checkpointed in the background.
 */
export async function stageRows(
  conn: SqliteConnection,
  manifest: PackageManifest,
  batches: AsyncIterable<RowBatch>,
  loads: ReadonlyMap<string, TableLoad>,
  staging: StagingFile,
): Promise<void> {
  const threaded = [...loads.values()].filter((load) => load.writeThrough !== undefined);
  const thread = conn.writerThread && threaded.length > 0 ? await WriterThread.start(conn.db, conn.location, staging) : null;
  const byTarget = new Map<number, TargetLoad>();
  if (thread !== null) {
    for (const load of threaded) for (const { target, op } of load.writeThrough?.(thread) ?? []) byTarget.set(target, { load, op });
  }
  const writesMainHere = [...loads.values()].some((load) => load.writesMain && load.writesHere);
  const checkpoints = writesMainHere ? BackgroundCheckpoints.start(conn.db, conn.location) : null;
  const room = new DiskRoom(conn.location, staging.file);
  try {
    const staging = { conn, manifest, loads, room, checkpoints };
    await stageInto(staging, batches, thread === null ? null : { writer: thread, byTarget });
  } finally {
    await checkpoints?.stop();
    await thread?.stop();
  }
}

interface Staging {
  readonly conn: SqliteConnection;
  readonly manifest: PackageManifest;
  readonly loads: ReadonlyMap<string, TableLoad>;
  readonly room: DiskRoom;
  readonly checkpoints: BackgroundCheckpoints | null;
}

/** The writer thread and, by the target number it knows each by, the loads it writes. */
interface ThreadLoads {
  readonly writer: WriterThread;
  readonly byTarget: ReadonlyMap<number, TargetLoad>;
}

/** The load a writer thread's target belongs to, and the kind of package row the target takes. */
interface TargetLoad {
  readonly load: TableLoad;
  readonly op: PackageRow['op'];
}

/** The staging itself: `flush` writes the rows read so far in one transaction (here, on the thread, or both). */
async function stageInto(staging: Staging, batches: AsyncIterable<RowBatch>, thread: ThreadLoads | null): Promise<void> {
  const { conn, manifest, loads, room, checkpoints } = staging;
  let pending: { load: TableLoad; rows: readonly PackageRow[] }[] = [];
  let pendingRows = 0;
  let pendingChars = 0;
  let limit = ROWS_IN_FIRST_TRANSACTION;
  const writeChunk = (): void => {
    const chunk = pending;
    const rows = pendingRows;
    pending = [];
    pendingRows = 0;
    pendingChars = 0;
    limit = ROWS_PER_TRANSACTION;
    // Rows the thread has not committed yet will take their room too.
    if (chunk.some(({ load }) => load.writesMain)) room.assertRoomFor(rows + (thread?.writer.rowsInFlight ?? 0));
    const here = chunk.filter(({ load }) => load.writesHere);
    const mainHere = here.some(({ load }) => load.writesMain);
    // A transaction on the staging file alone takes no lock on the channel database.
    if (here.length > 0) conn.db.exec(mainHere ? 'BEGIN IMMEDIATE' : 'BEGIN');
    for (const { load, rows } of chunk) writeRows(conn, load, rows);
    if (here.length > 0) conn.db.exec('COMMIT');
    if (!mainHere) return;
    room.committed(here.reduce((sum, { rows }) => sum + rows.length, 0));
    checkpoints?.committed();
  };
  // The rows are out of reach before the wait for the thread: held across it, they would outlive the young generation.
  const flush = async (): Promise<void> => {
    const first = limit === ROWS_IN_FIRST_TRANSACTION;
    writeChunk();
    if (thread === null) return;
    await threadDone(
      conn,
      thread,
      thread.writer.commit((committed) => room.committed(committed)),
    );
    // DiskRoom learns a row's bytes from the first, small transaction before the next is sent.
    if (first) await threadDone(conn, thread, thread.writer.drain());
  };
  for await (const batch of batches) {
    const load = loadOf(loads, manifest, batch);
    const taker = batch.handOver === undefined ? undefined : load.taker?.();
    if (taker !== undefined) batch.handOver?.(taker);
    // Rows handed to a taker are already where the load keeps them; the entry still counts them in.
    pending.push({ load, rows: batch.rows });
    pendingRows += batch.rows.length + (batch.taken ?? 0);
    pendingChars += batch.chars ?? 0;
    if (pendingRows >= limit || pendingChars >= CHARS_PER_TRANSACTION) await flush();
  }
  if (pendingRows > 0) await flush();
  if (thread !== null) await threadDone(conn, thread, thread.writer.drain());
}

/** Waits for the writer thread; a row it could not write is named as one written here would be. */
async function threadDone(conn: SqliteConnection, thread: ThreadLoads, done: Promise<void>): Promise<void> {
  try {
    await done;
  } catch (error) {
    if (!(error instanceof ThreadRowFailure)) throw translateSqliteError(error, conn.location, "staging the package's rows");
    const { load, op } = thread.byTarget.get(error.target) as TargetLoad;
    throw rowError(conn, load, new RowFailure(op, error.row, error.cause));
  }
}

/** Writes `rows` into `load`; a row that fails is named. */
export function writeRows(conn: SqliteConnection, load: TableLoad, rows: readonly PackageRow[]): void {
  try {
    load.write(rows);
  } catch (error) {
    throw rowError(conn, load, error);
  }
}

/** The load that takes `batch`'s table. */
export function loadOf(loads: ReadonlyMap<string, TableLoad>, manifest: PackageManifest, batch: RowBatch): TableLoad {
  const load = loads.get(batch.table.name);
  if (load === undefined) throw tableUnlisted(manifest, batch.table.name);
  return load;
}

/** A failure of one row, naming it: ours keep their code, SQLite's are translated. */
export function rowError(conn: SqliteConnection, load: TableLoad, error: unknown): unknown {
  if (!(error instanceof RowFailure)) return error;
  const table = load.spec.name;
  const where = `${error.op} of row ${error.row} of table ${table}`;
  const details = { table, row: error.row };
  const { cause } = error;
  if (cause instanceof AsyncClientError)
    return new AsyncClientError(cause.code, `${where}: ${cause.message}`, { ...cause.details, ...details });
  return translateSqliteError(cause, conn.location, where, details);
}
