import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI_PATH } from '../support/daemon-process.js';
import { seededRandom } from '../support/seeded-random.js';
import { until } from '../support/until.js';
import { CHANNEL_ENGINES } from '../channel/engines.js';
import { type SellingPos, startSelling } from '../upload/pos-tills.js';
import { keyCounts, sequences, UploadRig } from '../upload/upload-rig.js';

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const KILLS = Number(process.env.CRASH_KILLS ?? 40);

/** The daemon with the upload cycle on its one-second schedule; stopped by its PID. */
function spawnDaemon(profile: string): ChildProcess {
  return spawn(process.execPath, [CLI_PATH, 'run', '--profile', profile], { stdio: 'ignore' });
}

describe.each(CHANNEL_ENGINES)(`upload under SIGKILL of the daemon on $name, async-client run (seed ${SEED})`, (engine) => {
  let rig: UploadRig;
  let pos: SellingPos | undefined;
  let uploader: ChildProcess | undefined;
  beforeEach(async () => {
    rig = await UploadRig.create(engine);
  });
  afterEach(async () => {
    if (uploader !== undefined && uploader.exitCode === null && uploader.signalCode === null) {
      uploader.kill('SIGKILL');
      await once(uploader, 'exit');
    }
    await pos?.stop();
    await rig.cleanup();
  });

  test('killed at random points over many cycles while the POS sells, HQ gets every row exactly once, one package per sequence, no gap', async () => {
    const next = seededRandom(SEED);
    rig.maxRowsPerPackage = 120;
    const profile = await rig.writeProfileFile('warn');
    const hq = path.join(rig.root, 'hq');
    await mkdir(hq);
    /** HQ imports what it finds: takes each complete package away, and keeps the bytes it got for each name. */
    const hqSeen = new Map<string, string>();
    const importPackages = async (): Promise<void> => {
      for (const name of await readdir(rig.uploadArea).catch(() => [] as string[])) {
        if (name.startsWith('.')) continue;
        const file = path.join(rig.uploadArea, name);
        const digest = createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
        const before = hqSeen.get(name);
        if (before !== undefined && before !== digest) throw new Error(`${name} was published twice with different bytes`);
        hqSeen.set(name, digest);
        await copyFile(file, path.join(hq, name));
        if (next() < 0.7) await rm(file); // HQ imports most packages at once, some later
      }
    };

    pos = await startSelling(rig, 150);
    let interrupted = 0; // kills that left a package between its intent and its watermark commit
    for (let kill = 0; kill < KILLS; kill++) {
      uploader = spawnDaemon(profile);
      await sleep(300 + next() * 2000);
      const exited = once(uploader, 'exit');
      uploader.kill('SIGKILL');
      await exited;
      if ((await rig.channelDatabase.uploads.pendingIntent()) !== null) interrupted += 1;
      await importPackages();
    }
    const tally = await pos.stop();
    pos = undefined;

    // Recovery: a last, undisturbed run catches up with everything the POS wrote.
    await rig.reopen();
    uploader = spawnDaemon(profile);
    await until(
      'the uploads to catch up',
      async () =>
        (await rig.channelDatabase.uploads.pendingIntent()) === null &&
        (
          await rig.channelDatabase.uploads.snapshot((s) =>
            s.plan(
              [
                { table: 'sale', counterColumn: 'id' },
                { table: 'sale_line', counterColumn: 'replication_counter' },
              ],
              1,
            ),
          )
        ).rows === 0,
      120_000,
    );
    // Stopped the way systemd stops it, so that the cycle in flight finishes (and clears its staging file).
    const stopped = once(uploader, 'exit');
    uploader.kill('SIGTERM');
    await stopped;
    await importPackages();

    const packages = await rig.published(hq);
    expect(sequences(packages)).toEqual(packages.map((_, i) => i + 1));
    expect(packages.length).toBeGreaterThan(KILLS / 4);
    console.log(`upload crash test: ${KILLS} kills, ${interrupted} mid-package, ${packages.length} packages, ${tally.sales} sales`);
    const sales = keyCounts(packages, 'sale');
    const lines = keyCounts(packages, 'sale_line', 2);
    expect({ sales: sales.size, lines: lines.size }).toEqual({ sales: tally.sales, lines: tally.lines });
    expect([...sales.values(), ...lines.values()].filter((n) => n !== 1)).toEqual([]);
    const uploaded = await rig.channelDatabase.uploads.list({ limit: 1_000_000 });
    expect(uploaded.every((s) => s.status === 'Uploaded')).toBe(true);
    expect(uploaded.map((s) => s.checksum).sort()).toEqual([...hqSeen.values()].sort());
    // What the killed builds left behind was cleared when their packages were built again.
    expect(await readdir(path.join(rig.profile().stateDirectory, 'upload-staging'))).toEqual([]);
  }, 300_000);
});
