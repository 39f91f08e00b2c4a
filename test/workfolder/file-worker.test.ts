import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AsyncClientError } from '../../src/errors.js';
import { FileWorker } from '../../src/workfolder/file-worker.js';
import { LocalWorkingFolder } from '../../src/workfolder/local.js';
import { moveEach, writeEach } from '../../src/workfolder/working-folder.js';

/** The threads of this process: a worker adds some while it runs. */
function threads(): number {
  return readdirSync('/proc/self/task').length;
}

/** The thread count once it is back to `count`, or after 10 s: an ended thread leaves /proc a moment later, on a loaded machine seconds later. */
async function threadsSettle(count: number): Promise<number> {
  for (let tries = 0; tries < 500 && threads() > count; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
  return threads();
}

/** The thread count once it has held still for 250 ms (at most 10 s): the threads of an earlier test may still be ending. */
async function threadsSteady(): Promise<number> {
  const deadline = Date.now() + 10_000;
  let count = threads();
  let steadySince = Date.now();
  while (Date.now() - steadySince < 250 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = threads();
    if (now !== count) {
      count = now;
      steadySince = Date.now();
    }
  }
  return count;
}

const READ_BATCH = { syncFolders: false, localDisk: false };

let root: string;
beforeEach(async () => {
  // Also starts the thread pool's threads (the first asynchronous file call), before any count.
  root = await mkdtemp(path.join(tmpdir(), 'wf-worker-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each([
  ['on a local disk, synchronously', true],
  ['through the thread pool', false],
])("the local folder's file worker's calls %s", (_how, localDisk) => {
  test('makes a batch of writes, renames and reads, each settling on its own', async () => {
    const told: AsyncClientError[] = [];
    const worker = new FileWorker({ onFailure: (error) => told.push(error) });
    await writeFile(path.join(root, 'a'), 'A');
    const results = await worker.run(
      [
        { kind: 'write', path: path.join(root, 'b'), temporary: path.join(root, '.b.tmp-0'), content: Buffer.from('B') },
        { kind: 'rename', from: path.join(root, 'a'), to: path.join(root, 'c') },
        { kind: 'rename', from: path.join(root, 'gone'), to: path.join(root, 'd') },
      ],
      { syncFolders: true, localDisk },
    );
    expect(results.map((result) => result.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'ENOENT' } });
    const reads = await worker.run(
      [
        { kind: 'read', root, mountPoint: false, segments: ['c'], limit: 1 },
        { kind: 'read', root, mountPoint: false, segments: ['b'], limit: 0 },
        { kind: 'read', root, mountPoint: false, segments: [], limit: 10 },
      ],
      { syncFolders: false, localDisk },
    );
    expect(Buffer.from((reads[0] as { bytes: Uint8Array }).bytes).toString()).toBe('A');
    expect(reads[1]).toEqual({ ok: true, bytes: null });
    expect(reads[2]).toEqual({ ok: false, notAFile: true });
    expect(readdirSync(root).sort()).toEqual(['b', 'c']);
    await worker.close();
    // Closed on purpose: no failure to tell of.
    expect(told).toEqual([]);
  });

  test("a read's path is checked on the worker: a link out of the folder, a missing root and a missing file are told apart", async () => {
    const worker = new FileWorker();
    const outside = await mkdtemp(path.join(tmpdir(), 'file-worker-outside-'));
    try {
      await writeFile(path.join(outside, 'secret'), 'S');
      await symlink(outside, path.join(root, 'escape'));
      const [escaped, unreachable, missing] = await worker.run(
        [
          { kind: 'read', root, mountPoint: false, segments: ['escape', 'secret'], limit: 10 },
          { kind: 'read', root: path.join(root, 'no-such-root'), mountPoint: false, segments: ['a'], limit: 10 },
          { kind: 'read', root, mountPoint: false, segments: ['escape-not', 'a'], limit: 10 },
        ],
        { syncFolders: false, localDisk },
      );
      expect(escaped).toEqual({ ok: false, outside: path.join(outside, 'secret') });
      expect(unreachable).toMatchObject({ ok: false, atRoot: true, error: { code: 'ENOENT' } });
      expect(missing).toMatchObject({ ok: false, error: { code: 'ENOENT' } });
      expect(missing).not.toHaveProperty('atRoot');
    } finally {
      await worker.close();
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe("the local folder's file worker", () => {
  test('on a local disk, reads are made on the worker itself, never queued behind a busy thread pool', async () => {
    writeFileSync(path.join(root, 'a'), 'A');
    // Every thread of the pool waits in the open of a FIFO no one writes to yet.
    const fifos = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, (_, i) => path.join(root, `fifo-${i}`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    const waiting = fifos.map((fifo) => open(fifo, 'r'));
    const [direct, pooled] = [new FileWorker(), new FileWorker()];
    try {
      let pooledRead = false;
      const read = (worker: FileWorker, localDisk: boolean) =>
        worker.run([{ kind: 'read', root, mountPoint: false, segments: ['a'], limit: 10 }], { syncFolders: false, localDisk });
      const throughPool = read(pooled, false).then((results) => {
        pooledRead = true;
        return results;
      });
      const [result] = await read(direct, true);
      expect(Buffer.from((result as { bytes: Uint8Array }).bytes).toString()).toBe('A');
      expect(pooledRead).toBe(false);
      for (const fifo of fifos) closeSync(openSync(fifo, 'w'));
      expect(await throughPool).toEqual([{ ok: true, bytes: expect.any(Uint8Array) }]);
    } finally {
      for (const handle of await Promise.all(waiting)) await handle.close();
      await Promise.all([direct.close(), pooled.close()]);
    }
  });

  test('a worker that fails rejects its batch with E_FOLDER_IO, says so once, and is not started again', async () => {
    const told: AsyncClientError[] = [];
    const worker = new FileWorker({ script: 'throw new Error("no worker here")', onFailure: (error) => told.push(error) });
    await expect(worker.run([{ kind: 'read', root, mountPoint: false, segments: ['x'], limit: 1 }], READ_BATCH)).rejects.toMatchObject({
      code: 'E_FOLDER_IO',
      message: expect.stringContaining('no worker here'),
    });
    expect(worker.available).toBe(false);
    await expect(worker.run([], READ_BATCH)).rejects.toMatchObject({ code: 'E_FOLDER_IO' });
    expect(told).toEqual([expect.objectContaining({ code: 'E_FOLDER_IO', message: expect.stringContaining('no worker here') })]);
  });

  test('the batches asked for in one turn of the event loop go in one message, each answered on its own', async () => {
    // Answers each batch with a read refused as outside the folder, naming how many batches its message held.
    const counting = `require('node:worker_threads').parentPort.on('message', (runs) => {
      require('node:worker_threads').parentPort.postMessage(runs.map(({ id, calls }) => ({ id, results: calls.map(() => ({ ok: false, outside: runs.length + ' of ' + calls[0].segments[0] })) })));
    });`;
    const worker = new FileWorker({ script: counting });
    const read = (name: string) => worker.run([{ kind: 'read', root, mountPoint: false, segments: [name], limit: 1 }], READ_BATCH);
    expect(await Promise.all([read('a'), read('b'), read('c')])).toEqual([
      [{ ok: false, outside: '3 of a' }],
      [{ ok: false, outside: '3 of b' }],
      [{ ok: false, outside: '3 of c' }],
    ]);
    expect(await read('d')).toEqual([{ ok: false, outside: '1 of d' }]);
    await worker.close();
  });

  test('a worker that ends mid-batch rejects the batch in flight', async () => {
    const worker = new FileWorker({ script: "require('node:worker_threads').parentPort.on('message', () => process.exit(3));" });
    await expect(worker.run([{ kind: 'read', root, mountPoint: false, segments: ['x'], limit: 1 }], READ_BATCH)).rejects.toMatchObject({
      code: 'E_FOLDER_IO',
    });
    expect(worker.available).toBe(false);
  });

  test('with its worker failing, the folder makes the same batches and reads itself', async () => {
    const folder = new LocalWorkingFolder(root, undefined, {}, () => new FileWorker({ script: 'throw new Error("no worker here")' }));
    await folder.ensureDir('s/applied');
    await writeFile(path.join(root, 's', 'a.pkg'), 'a');
    expect((await writeEach(folder, [{ path: 's/a.json', content: Buffer.from('{}') }])).map((r) => r.status)).toEqual(['fulfilled']);
    expect((await moveEach(folder, [{ from: 's/a.pkg', to: 's/applied/a.pkg' }])).map((r) => r.status)).toEqual(['fulfilled']);
    expect((await folder.readWhole('s/applied/a.pkg', 10))?.toString()).toBe('a');
    expect((await folder.readWhole('s/a.json', 10))?.toString()).toBe('{}');
    await folder.close();
  });

  test('close leaves no worker thread running, and the folder still works without one', async () => {
    const before = await threadsSteady();
    const folder = new LocalWorkingFolder(root);
    // One file (a single package's report, after a large apply) is written without a thread.
    await folder.writeAtomicEach([{ path: 'a.json', content: Buffer.from('A') }]);
    expect(threads()).toBeLessThanOrEqual(before);
    await folder.writeAtomicEach(['c', 'd'].map((name) => ({ path: `${name}.json`, content: Buffer.from(name) })));
    expect((await folder.readWhole('a.json', 10))?.toString()).toBe('A');
    expect(threads()).toBeGreaterThan(before);
    await folder.close();
    // At most as many: a thread of an earlier test may end meanwhile.
    expect(await threadsSettle(before)).toBeLessThanOrEqual(before);
    expect((await folder.readWhole('a.json', 10))?.toString()).toBe('A');
    expect((await folder.writeAtomicEach([{ path: 'b.json', content: Buffer.from('B') }])).map((r) => r.status)).toEqual(['fulfilled']);
    expect(threads()).toBeLessThanOrEqual(before);
  });
});
