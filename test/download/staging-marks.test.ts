import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SQLITE } from '../channel/engines.js';
import { deadPid } from '../support/dead-pid.js';
import { type DownloadStore, useDownloadStore } from './download-store.js';

// The staging folder works the same whatever the channel database, so one engine runs these.
let store: DownloadStore;
useDownloadStore(SQLITE, async (created) => {
  store = created;
});

async function inodesOf(names: readonly string[]): Promise<number[]> {
  return Promise.all(names.map(async (name) => (await stat(path.join(store.stagingDirectory, name))).ino));
}

async function publishRange(from: number, to: number): Promise<void> {
  for (let sequence = from; sequence <= to; sequence += 1) await store.publish(sequence, [[sequence, 'more', 1]]);
}

describe('the empty marks of small packages are renamed from one package to the next, never made and freed per package', () => {
  test("a settled package's mark becomes a spare, and the next package's mark is that same file", async () => {
    await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
    expect(await store.run()).toMatchObject({ fields: expect.objectContaining({ applied: 1 }) });
    const spares = await store.spares();
    expect(spares).toEqual([expect.stringMatching(new RegExp(`^spare-${process.pid}-\\d+$`))]);
    const [first] = await inodesOf(spares);

    // A mark is kept until its package is settled, after the run's last apply: five marks at once.
    await publishRange(2, 6);
    expect(await store.run()).toMatchObject({ fields: expect.objectContaining({ applied: 5 }) });
    const five = await inodesOf(await store.spares());
    expect(five).toHaveLength(5);
    expect(five).toContain(first);

    await publishRange(7, 11);
    expect(await store.run()).toMatchObject({ fields: expect.objectContaining({ applied: 5 }) });
    expect(await store.namesIn('applied')).toHaveLength(11);
    expect(await store.staged()).toEqual([]);
    expect((await inodesOf(await store.spares())).sort()).toEqual(five.sort());
  });

  test("the spares of a process that ended are taken over; a live process's are left alone", async () => {
    await mkdir(store.stagingDirectory, { recursive: true });
    const dead = `spare-${deadPid()}-0`;
    const live = `spare-${process.ppid}-0`;
    await writeFile(path.join(store.stagingDirectory, dead), '');
    await writeFile(path.join(store.stagingDirectory, live), '');
    const [deadInode] = await inodesOf([dead]);

    await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
    expect(await store.run()).toMatchObject({ fields: expect.objectContaining({ applied: 1 }) });
    const spares = await store.spares();
    expect(spares).toContain(live);
    expect(spares).not.toContain(dead);
    expect(await inodesOf(spares.filter((name) => name !== live))).toEqual([deadInode]);
    expect(await store.staged()).toEqual([]);
  });

  test('spares past what a backlog needs (256) are removed at the next run', async () => {
    await mkdir(store.stagingDirectory, { recursive: true });
    const dead = deadPid();
    for (let n = 0; n < 300; n += 1) await writeFile(path.join(store.stagingDirectory, `spare-${dead}-${n}`), '');

    await store.publish(1, [[1, 'one', 1]], { kind: 'full' });
    expect(await store.run()).toMatchObject({ fields: expect.objectContaining({ applied: 1 }) });
    expect(await store.spares()).toHaveLength(256);
    expect(store.events('download.staging_swept')).toEqual([expect.objectContaining({ files: 44 })]);
  });
});
