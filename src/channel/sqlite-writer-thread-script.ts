import { TAG } from './sqlite-bound-rows.js';

/**
 * The writer thread's side (sqlite-writer-thread.ts): a connection of its own, one transaction per
 * message, answered with the rows each target changed or the failure.
 *
 * A transaction's values are read out of its shared buffers (sqlite-bound-rows.ts) as they are
 * bound, `group` rows to a statement, into a temporary table of untyped columns, one a target,
 * which takes no lock on the channel database. Only then is the lock taken: each target's rows are
 * copied by one statement, which applies the target's column affinities and constraints as the
 * inserts would have. Binding values is most of an insert's time, and it is done without the lock
 * (docs/benchmarks.md, issue 10, sixteenth round). A copy that fails is rolled back and the rows
 * written into the target row by row, so that the failure names its row.
 *
 * A target without a copy is a table of the staging file (sqlite-staging-file.ts), attached when
 * `workerData.staging` names one: its rows are written straight into it, in the transaction that
 * stages the others, since writing there takes no lock on the channel database either.
 *
 * After each commit the lock is left free for `lockFreeShare` of the time the transaction held it,
 * and every `commitsPerCheckpoint` commits the WAL is copied into the database then: SQLite's
 * automatic checkpoint would run inside COMMIT, and count as time the lock was held.
 *
 * A script, not a module file, so that it runs the same from the built files and from the
 * TypeScript sources the tests load.
 */
export const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.location, { fileMustExist: true, timeout: workerData.timeout });
db.pragma('cache_size = ' + workerData.cacheSize);
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
// The staged rows are one transaction's, already in this thread's memory: no file of their own on some other disk.
db.pragma('temp_store = MEMORY');
if (workerData.staging !== null) {
  db.prepare('ATTACH ? AS ' + workerData.staging.schema).run(workerData.staging.file);
  for (const pragma of workerData.staging.pragmas) db.pragma(pragma);
}
// Ready: an empty commit.
parentPort.postMessage({ changes: [] });
const GROUP = workerData.group;
const targets = [];
let freeUntil = 0, commits = 0;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/**
 * The transaction's values, read out of its buffers one at a time as they are bound: an array of
 * them all would be a large object for a transaction of more than some 2,300 rows of 7 values,
 * which V8 puts in its old generation, where every young string stored costs a write barrier
 * (docs/benchmarks.md, issue 10, twenty-third round). \`seek\` goes back to a value read before.
 */
let rows = null, text = null, ascii = '', at = 0, textAt = 0, otherAt = 0;
function readFrom(message) {
  rows = message;
  text = Buffer.from(rows.text.buffer, rows.text.byteOffset, rows.text.byteLength);
  // An ASCII string's bytes are its characters: a slice of the whole text read as Latin-1 at once.
  ascii = text.toString('latin1');
  seek(0, 0, 0);
}
function seek(value, textOffset, other) { at = value; textAt = textOffset; otherAt = other; }
function next() {
  const tag = rows.tags[at];
  const number = rows.numbers[at++];
  if (tag === ${TAG.NUMBER}) return number;
  if (tag === ${TAG.STRING} || tag === ${TAG.ASCII}) {
    const value = tag === ${TAG.ASCII} ? ascii.slice(textAt, textAt + number) : text.toString('utf8', textAt, textAt + number);
    textAt += number;
    return value;
  }
  return tag === ${TAG.OTHER} ? rows.others[otherAt++] : null;
}
function release() { rows = null; text = null; ascii = ''; }
/** A target with \`copy\` null has no stage (\`create\`, \`staged\`, \`clear\` null too): a table of the staging file. */
function register({ width, create, direct, staged, copy, clear }) {
  if (create !== null) db.exec(create);
  const statements = (both) => ({ group: db.prepare(both.group), single: db.prepare(both.single) });
  targets.push({
    width,
    direct: statements(direct),
    staged: copy === null ? null : statements(staged),
    copy: copy === null ? null : db.prepare(copy),
    clear: copy === null ? null : db.prepare(clear),
    groupBuffer: new Array(width * GROUP),
    singleBuffer: new Array(width),
  });
}
function fill(buffer) { for (let i = 0; i < buffer.length; i++) buffer[i] = next(); }
/** Writes a part's rows with \`statements\` (a target's direct or staged inserts); a group that fails is written again row by row. */
function writePart(part, kind, changes) {
  const t = targets[part.target];
  const statements = t[kind];
  let row = 0;
  while (row + GROUP <= part.count) {
    const startAt = at, startText = textAt, startOther = otherAt;
    fill(t.groupBuffer);
    try {
      changes[part.target] += statements.group.run(...t.groupBuffer).changes;
    } catch (error) {
      if (!db.inTransaction) throw { target: part.target, row: part.first + row, error };
      seek(startAt, startText, startOther);
      for (let r = 0; r < GROUP; r++) writeOne(t, statements, part, row + r, changes);
    }
    row += GROUP;
  }
  for (; row < part.count; row++) writeOne(t, statements, part, row, changes);
}
function writeOne(t, statements, part, row, changes) {
  fill(t.singleBuffer);
  try {
    changes[part.target] += statements.single.run(...t.singleBuffer).changes;
  } catch (error) {
    throw { target: part.target, row: part.first + row, error };
  }
}
/** Moves the cursor past a part's values, written already. */
function skipPart(part) {
  for (let i = part.count * targets[part.target].width; i > 0; i--) next();
}
/** Copies each staged target into its table; false when a copy failed and the transaction is still open. */
function copyStaged(locked, parts, changes) {
  for (const target of locked) {
    try {
      changes[target] += targets[target].copy.run().changes;
    } catch (error) {
      if (db.inTransaction) return false;
      throw { target, row: parts.find((part) => part.target === target).first, error };
    }
  }
  return true;
}
function transaction(message, changes) {
  readFrom(message);
  const locked = [...new Set(message.parts.map((part) => part.target))].filter((target) => targets[target].copy !== null);
  try {
    stage(message.parts, changes);
    if (locked.length > 0) copyUnderLock(message.parts, locked, changes);
  } catch (thrown) {
    // Before the stages are cleared: a rollback after would bring their rows back.
    if (db.inTransaction) db.exec('ROLLBACK');
    throw thrown;
  } finally {
    release();
    for (const target of locked) targets[target].clear.run();
  }
}
/**
 * Writes the rows into the stages and the staging file's tables, in a transaction on those alone:
 * no lock on the channel database. The rows written straight into the staging file count in \`changes\`.
 */
function stage(parts, changes) {
  seek(0, 0, 0);
  const staged = targets.map(() => 0);
  db.exec('BEGIN');
  for (const part of parts) {
    if (targets[part.target].copy === null) writePart(part, 'direct', changes);
    else writePart(part, 'staged', staged);
  }
  db.exec('COMMIT');
}
/** Copies the \`locked\` targets' stages into their tables, in one transaction that holds the channel database's write lock. */
function copyUnderLock(parts, locked, changes) {
  // The lock stays free a while after the last transaction: a POS write waiting in the busy handler retries after sleeps of up to 100 ms.
  const free = freeUntil - performance.now();
  if (free > 0) Atomics.wait(SLEEP, 0, 0, free);
  const begun = performance.now();
  db.exec('BEGIN IMMEDIATE');
  if (!copyStaged(locked, parts, changes)) {
    db.exec('ROLLBACK');
    for (const target of locked) changes[target] = 0;
    seek(0, 0, 0);
    db.exec('BEGIN IMMEDIATE');
    for (const part of parts) {
      if (targets[part.target].copy === null) skipPart(part);
      else writePart(part, 'direct', changes);
    }
  }
  db.exec('COMMIT');
  const now = performance.now();
  freeUntil = now + (now - begun) * workerData.lockFreeShare;
}
parentPort.on('message', (message) => {
  if (message === 'stop') { db.close(); parentPort.close(); return; }
  if (message.target !== undefined) { register(message.target); return; }
  const changes = targets.map(() => 0);
  try {
    transaction(message, changes);
    parentPort.postMessage({ changes });
  } catch (thrown) {
    const error = thrown.error ?? thrown;
    parentPort.postMessage({ failure: { target: thrown.target ?? -1, row: thrown.row ?? 0, name: error.name, code: error.code, message: error.message } });
  }
  if (++commits % workerData.commitsPerCheckpoint === 0) checkpoint();
});
/** PASSIVE: never waits for a lock. One that fails changes nothing a reader sees: the next one, or the main connection's, copies what it left. */
function checkpoint() {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
}
`;
