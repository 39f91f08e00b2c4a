import { placeUnder, realRootOf } from './root-placement.js';

/**
 * The file worker's thread (file-worker.ts): each message is one or more batches of calls, answered once.
 * Renames are synchronous system calls; writes, which wait for the disk, go `WRITES_IN_FLIGHT`
 * at a time, and reads overlap. On a folder on the machine's own disk (`localDisk`), the other
 * calls are synchronous too, and only the writes' fsyncs overlap. A write is made durable and renamed into place;
 * with `syncFolders`, every folder a write or rename changed is synced once after the batch,
 * and a call whose folder cannot be synced fails with that error. A read sends its bytes back
 * without a copy, its path checked here first, by the same functions as on the main thread
 * (root-placement.ts, embedded by their source text). A script, not a module file, so that it runs
 * the same from the built files and from the TypeScript sources the tests load.
 */
export const FILE_WORKER_SCRIPT = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { promisify } = require('node:util');
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);

const failed = (error, extra) => ({ ok: false, error: { code: error && error.code, message: String(error && error.message) }, ...extra });

const readPooled = promisify(fs.read);

// The calls through the thread pool, each overlapping the others: a share's calls wait on the network.
const pooled = {
  realpath: (file) => fs.promises.realpath(file),
  stat: (file) => fs.promises.stat(file),
  open: promisify(fs.open),
  fstat: promisify(fs.fstat),
  read: (fd, buffer, position) => readPooled(fd, buffer, 0, buffer.length, position).then(({ bytesRead }) => bytesRead),
  writeFile: promisify(fs.writeFile),
  fsync: promisify(fs.fsync),
  close: promisify(fs.close),
};

// On the machine's own disk a call takes microseconds, less than its hand-off to the thread pool and back (some
// ten of those a package cost a backlog a fifth of its time on two cores: docs/benchmarks.md, issue 10, nineteenth
// round): made here, synchronously. Only the fsync, which waits for the disk, goes to the pool: the disk serves a
// few at once faster.
const direct = {
  realpath: (file) => fs.realpathSync.native(file),
  stat: (file) => fs.statSync(file),
  open: (file, flags) => fs.openSync(file, flags),
  fstat: (fd) => fs.fstatSync(fd),
  read: (fd, buffer, position) => fs.readSync(fd, buffer, 0, buffer.length, position),
  writeFile: (fd, content) => fs.writeFileSync(fd, content),
  fsync: pooled.fsync,
  close: (fd) => fs.closeSync(fd),
};

async function closeQuietly(io, fd) {
  try { await io.close(fd); } catch {}
}

// A write waits mostly for its fsync, which the disk serves faster a few at once (0.24 ms a file four at a time, 0.56 one at a time).
async function write(io, { path: target, temporary, content }) {
  let fd;
  try {
    fd = await io.open(temporary, 'wx');
    await io.writeFile(fd, content);
    await io.fsync(fd);
    const written = fd;
    fd = undefined;
    await io.close(written);
    fs.renameSync(temporary, target);
  } catch (error) {
    if (fd !== undefined) await closeQuietly(io, fd);
    try { fs.unlinkSync(temporary); } catch {}
    throw error;
  }
  return { ok: true };
}

const realRootOf = ${realRootOf.toString()};
const placeUnder = ${placeUnder.toString()};

// Through the pool, reads overlap: on a network share (HQ reading many stores' reports) each waits for the server.
async function read(io, { root, mountPoint, segments, limit }, transfer) {
  let realRoot;
  try {
    realRoot = await realRootOf(io, path, root, mountPoint);
  } catch (error) {
    return failed(error, { atRoot: true });
  }
  const { absolute, outside } = await placeUnder(io, path, realRoot, segments);
  if (outside !== null) return { ok: false, outside };
  const fd = await io.open(absolute, 'r');
  try {
    const stats = await io.fstat(fd);
    if (!stats.isFile()) return { ok: false, notAFile: true };
    if (stats.size > limit) return { ok: true, bytes: null };
    // One byte more than the size: a file that grew while read is not taken for whole.
    const buffer = Buffer.allocUnsafeSlow(stats.size + 1);
    const bytesRead = await io.read(fd, buffer, 0);
    if (bytesRead > stats.size) return { ok: true, bytes: null };
    transfer.push(buffer.buffer);
    return { ok: true, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead) };
  } finally {
    await closeQuietly(io, fd);
  }
}

function syncFolder(folder) {
  const fd = fs.openSync(folder, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has(error.code)) throw error;
  } finally {
    fs.closeSync(fd);
  }
}

const changedFolders = (call) => (call.kind === 'write' ? [path.dirname(call.path)] : call.kind === 'rename' ? [path.dirname(call.from), path.dirname(call.to)] : []);

const WRITES_IN_FLIGHT = 4;

async function make(io, call, transfer) {
  try {
    if (call.kind === 'write') return await write(io, call);
    if (call.kind === 'read') return await read(io, call, transfer);
    fs.renameSync(call.from, call.to);
    return { ok: true };
  } catch (error) {
    return failed(error);
  }
}

// A message is the batches of one turn of the main thread's event loop, answered together.
parentPort.on('message', async (runs) => {
  const transfer = [];
  const answers = await Promise.all(runs.map((run) => answer(run, transfer)));
  parentPort.postMessage(answers, transfer);
});

async function answer({ id, calls, syncFolders, localDisk }, transfer) {
  const results = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < calls.length; i = next++) results[i] = await make(localDisk ? direct : pooled, calls[i], transfer);
  };
  await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, calls.length) }, lane));
  if (syncFolders) {
    const unsynced = new Map();
    const folders = new Set(calls.flatMap((call, i) => (results[i].ok ? changedFolders(call) : [])));
    for (const folder of folders) {
      try { syncFolder(folder); } catch (error) { unsynced.set(folder, error); }
    }
    calls.forEach((call, i) => {
      const folder = results[i].ok ? changedFolders(call).find((f) => unsynced.has(f)) : undefined;
      if (folder !== undefined) results[i] = failed(unsynced.get(folder), { syncing: true });
    });
  }
  return { id, results };
}
`;
