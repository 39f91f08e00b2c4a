import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { useTempStore } from '../support/store-fixture.js';
import { seededRandom } from '../support/seeded-random.js';
import { until } from '../support/until.js';
import { BACKLOG_ENGINES, type BacklogDatabase } from './backlog-databases.js';
import { Backlog, CHANNEL, killDaemonAfter, killDaemonAfterApplied } from './download-backlog.js';

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

describe.each(BACKLOG_ENGINES)(`download backlog through the daemon on $name, async-client run (seed ${SEED})`, (engine) => {
  const fixture = useTempStore();
  let downloadArea: string;
  let database: BacklogDatabase;

  beforeEach(async () => {
    const { store } = fixture;
    await store.writeProfile({ extra: 'download:\n  allowCreateTables: false\n' });
    database = await engine.database(store);
    await database.prepare();
    downloadArea = path.join(store.workingFolder, CHANNEL, 'download');
  });
  afterEach(async () => {
    await database.cleanup();
  });

  const appliedCount = async (): Promise<number> => (await database.read()).sessions.filter((s) => s.status === 'Applied').length;

  /** Runs the daemon until the whole backlog is applied, then stops it with SIGTERM. */
  async function drain(sequences: number): Promise<void> {
    const daemon = fixture.start(['run', '--profile', fixture.store.profilePath]);
    // The killed runs may have applied everything already: a SIGTERM before the daemon takes signals would kill it outright.
    await daemon.waitFor('daemon.ready');
    await until(`${sequences} packages applied`, async () => (await appliedCount()) === sequences);
    await until('the last cycle to finish', async () => (await readdir(downloadArea)).every((name) => !name.endsWith('.acpkg')));
    daemon.signal('SIGTERM');
    expect(await daemon.exit()).toEqual({ code: 0, signal: null });
  }

  async function expectExactlyOnce(backlog: Backlog, sequences: number): Promise<void> {
    const { store } = fixture;
    const state = await database.read();
    expect(state.rowDigests).toEqual(backlog.expectedRowDigests());
    expect(state.itemChanges).toBe(backlog.totalChanges());
    expect(state.sessions.map((s) => [s.sequence, s.status])).toEqual(Array.from({ length: sequences }, (_, i) => [i + 1, 'Applied']));
    const appliedAt = state.sessions.map((s) => s.appliedAt ?? '');
    expect(appliedAt).toEqual([...appliedAt].sort());
    expect(state.sessions.map((s) => s.rowsAffected.item)).toEqual(Array.from({ length: sequences }, (_, i) => backlog.changes.get(i + 1)));
    // What is left is spares: empty files kept to become the next marks, holding nothing.
    const staging = path.join(store.stateDirectory, 'staging');
    const left = await readdir(staging);
    expect(left.filter((name) => !/^spare-\d+-\d+$/.test(name))).toEqual([]);
    expect(await Promise.all(left.map(async (name) => (await stat(path.join(staging, name))).size))).toEqual(left.map(() => 0));
    expect((await readdir(downloadArea)).filter((name) => name.endsWith('.acpkg'))).toEqual([]);
    expect(await readdir(path.join(downloadArea, 'applied'))).toHaveLength(sequences);
    // A SQLite store's staging files (a killed apply's among them) are gone: the next streamed apply sweeps them.
    const beside = await readdir(path.dirname(store.databasePath)).catch(() => []);
    expect(beside.filter((name) => name.startsWith(`${path.basename(store.databasePath)}.staging-`))).toEqual([]);
  }

  test('a backlog is applied in order, each package once', async () => {
    const backlog = new Backlog(SEED, engine.packageRows(200));
    for (let sequence = 1; sequence <= 10; sequence += 1) await backlog.publish(downloadArea, sequence);
    await drain(10);
    await expectExactlyOnce(backlog, 10);
  });

  test('SIGKILL at 15 random points of a 20-package backlog: after restarts every package is applied exactly once', async () => {
    const backlog = new Backlog(SEED, engine.packageRows(15_000));
    const delay = seededRandom(SEED + 1);
    for (let sequence = 1; sequence <= 10; sequence += 1) await backlog.publish(downloadArea, sequence);
    let published = 10;
    let killedMidBacklog = 0;
    for (let kill = 1; kill <= 15; kill += 1) {
      if (kill === 8) for (; published < 20; published += 1) await backlog.publish(downloadArea, published + 1);
      const before = await appliedCount();
      // Odd kills land at a random time after READY (start-up, mid-apply or idle); even ones a moment after a package
      // in the first half of what is left, so some kills cut into the backlog however fast this machine applies it.
      if (kill % 2 === 1 || before === published) await killDaemonAfter(fixture, Math.floor(delay() * 1500));
      else await killDaemonAfterApplied(fixture, before + 1 + Math.floor((delay() * (published - before)) / 2), Math.floor(delay() * 50));
      const after = await appliedCount();
      if (after > before && after < published) killedMidBacklog += 1;
    }
    await drain(20);
    await expectExactlyOnce(backlog, 20);
    // Not a flake guard: the kills must have cut into the backlog for the test to mean anything.
    expect(killedMidBacklog).toBeGreaterThan(0);
  }, 180_000);

  test('SIGKILL at random points of a backlog of 300 small packages (many commits to one flush): each applied once, none reported before it is applied', async () => {
    const sequences = 300;
    const backlog = new Backlog(SEED + 2, 5);
    const delay = seededRandom(SEED + 3);
    for (let sequence = 1; sequence <= sequences; sequence += 1) await backlog.publish(downloadArea, sequence);
    let killedMidBacklog = 0;
    for (let kill = 1; kill <= 8; kill += 1) {
      const before = await appliedCount();
      if (before === sequences) break;
      // A timed kill may land after the whole backlog is applied (hundreds of packages a second): each kill is placed
      // a few milliseconds after a package in the first half of what is left, so it lands mid-group or mid-commit.
      const target = before + 1 + Math.floor(delay() * Math.max(1, (sequences - before) / 2));
      await killDaemonAfterApplied(fixture, target, Math.floor(delay() * 20));
      const state = await database.read();
      const applied = new Set(state.sessions.filter((s) => s.status === 'Applied').map((s) => s.sequence));
      // A file moved to applied/ (HQ told) belongs to a package whose Applied commit was flushed before the move.
      for (const name of await readdir(path.join(downloadArea, 'applied')).catch(() => [])) {
        expect(applied.has(Number(/_(\d{12})\.acpkg$/.exec(name)?.[1]))).toBe(true);
      }
      if (applied.size > before && applied.size < sequences) killedMidBacklog += 1;
    }
    await drain(sequences);
    await expectExactlyOnce(backlog, sequences);
    expect(killedMidBacklog).toBeGreaterThan(0);
  }, 180_000);
});
