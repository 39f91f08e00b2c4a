import { TAG } from './sqlite-bound-rows.js';

/**
 * The writer thread's side (sqlite-writer-thread.ts): a connection of its own, one transaction per
 * message, answered with the rows each target changed or the failure. A transaction's values are
 * read out of its shared buffers (sqlite-bound-rows.ts) before it begins, then written `group` rows
 * to a statement, as RowWriter does; a statement that fails is run again row by row, so that the
 * failure names its row. After each commit the lock is left free for `lockFreeShare` of the time
 * the transaction held it, and every `commitsPerCheckpoint` commits the WAL is copied into the
 * database then, while the lock is free: SQLite's automatic checkpoint would run inside COMMIT,
 * and count as time the lock was held. A script, not a module file, so that it runs the same from the built
 * files and from the TypeScript sources the tests load.
 */
export const WORKER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.location, { fileMustExist: true, timeout: workerData.timeout });
db.pragma('cache_size = ' + workerData.cacheSize);
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
// Ready: an empty commit.
parentPort.postMessage({ changes: [] });
const GROUP = workerData.group;
const targets = [];
let values = [], at = 0, freeUntil = 0, commits = 0;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/** The values of a transaction, read out of its buffers before it begins: the lock is held for the inserts alone. */
function decode(rows) {
  const text = Buffer.from(rows.text.buffer, rows.text.byteOffset, rows.text.byteLength);
  // An ASCII string's bytes are its characters: a slice of the whole text read as Latin-1 at once.
  const ascii = text.toString('latin1');
  const decoded = new Array(rows.tags.length);
  let textAt = 0, otherAt = 0;
  for (let i = 0; i < decoded.length; i++) {
    const tag = rows.tags[i];
    const number = rows.numbers[i];
    if (tag === ${TAG.NUMBER}) decoded[i] = number;
    else if (tag === ${TAG.STRING} || tag === ${TAG.ASCII}) {
      decoded[i] = tag === ${TAG.ASCII} ? ascii.slice(textAt, textAt + number) : text.toString('utf8', textAt, textAt + number);
      textAt += number;
    } else decoded[i] = tag === ${TAG.OTHER} ? rows.others[otherAt++] : null;
  }
  return decoded;
}
function fill(buffer) { for (let i = 0; i < buffer.length; i++) buffer[i] = values[at++]; }
function writePart(part, changes) {
  const t = targets[part.target];
  let row = 0;
  while (row + GROUP <= part.count) {
    const start = at;
    fill(t.groupBuffer);
    try {
      changes[part.target] += t.group.run(...t.groupBuffer).changes;
    } catch (error) {
      if (!db.inTransaction) throw { target: part.target, row: part.first + row, error };
      at = start;
      for (let r = 0; r < GROUP; r++) writeOne(t, part, row + r, changes);
    }
    row += GROUP;
  }
  for (; row < part.count; row++) writeOne(t, part, row, changes);
}
function writeOne(t, part, row, changes) {
  fill(t.singleBuffer);
  try {
    changes[part.target] += t.single.run(...t.singleBuffer).changes;
  } catch (error) {
    throw { target: part.target, row: part.first + row, error };
  }
}
parentPort.on('message', (message) => {
  if (message === 'stop') { db.close(); parentPort.close(); return; }
  if (message.insert !== undefined) {
    targets.push({
      group: db.prepare(message.insert.group), groupBuffer: new Array(message.insert.width * GROUP),
      single: db.prepare(message.insert.single), singleBuffer: new Array(message.insert.width),
    });
    return;
  }
  const changes = targets.map(() => 0);
  try {
    values = decode(message);
    at = 0;
    // The lock stays free a while after the last transaction: a POS write waiting in the busy handler retries after sleeps of up to 100 ms.
    const free = freeUntil - performance.now();
    if (free > 0) Atomics.wait(SLEEP, 0, 0, free);
    const begun = performance.now();
    db.exec('BEGIN IMMEDIATE');
    for (const part of message.parts) writePart(part, changes);
    db.exec('COMMIT');
    const now = performance.now();
    freeUntil = now + (now - begun) * workerData.lockFreeShare;
    parentPort.postMessage({ changes });
  } catch (thrown) {
    if (db.inTransaction) db.exec('ROLLBACK');
    const error = thrown.error ?? thrown;
    parentPort.postMessage({ failure: { target: thrown.target ?? -1, row: thrown.row ?? 0, name: error.name, code: error.code, message: error.message } });
  } finally {
    values = [];
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
